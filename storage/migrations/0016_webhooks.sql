-- Webhook subscriptions and their deliveries (DESIGN "Events"). Each
-- subscription follows the event log with its own cursor: the dispatcher
-- copies the events after it into deliveries and moves it, in one
-- transaction, so a subscription's deliveries are numbered in event order.
-- They go out one at a time, in that order: only a subscription's oldest
-- pending delivery may be leased.
CREATE TABLE webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url text NOT NULL,
  events text[] NOT NULL,
  active boolean NOT NULL DEFAULT true,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_until timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  disabled_reason text,
  cursor_txid xid8 NOT NULL,
  cursor_id bigint NOT NULL DEFAULT 0,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhooks_created_by ON webhooks (created_by);

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id bigint,  -- none for a ping
  event_type text NOT NULL,
  payload jsonb NOT NULL,  -- the body as sent, so a replay past retention sends the same
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_until timestamptz,
  status_code integer,
  latency_ms bigint,
  error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhook_deliveries_webhook_id_id ON webhook_deliveries (webhook_id, id);
CREATE INDEX idx_webhook_deliveries_pending ON webhook_deliveries (webhook_id, id)
  WHERE status = 'pending';
CREATE UNIQUE INDEX idx_webhook_deliveries_webhook_id_event_id ON webhook_deliveries (webhook_id, event_id)
  WHERE status = 'pending';
