// The set-based writes of a contact import: one batch of mapped rows in a
// few statements (companies found or created by domain, then normalized
// name; the rows staged by COPY into a temporary table; contacts upserted
// by e-mail from it), inside the caller's transaction.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <vector>

#include "domain/imports/contact_rows.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

enum class ImportMode { create_only, upsert, update_only };

struct ImportCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t skipped = 0;  // unchanged, or excluded by the mode
};

// rows: distinct e-mails within the batch (the caller skips repeats).
boost::asio::awaitable<ImportCounts> import_contacts(pg::Transaction& tx,
                                                     const std::vector<imports::ContactRow>& rows,
                                                     ImportMode mode);

}  // namespace crmd::storage
