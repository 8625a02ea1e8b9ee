// The Pipedrive mirror's writes: a page of Pipedrive's records (as the
// gateway read them, storage/pipedrive/wire.hpp) upserted by pipedrive_id,
// their references resolved to crmd's rows, in the caller's transaction.
// Persons and organizations land in contacts and companies, matched by
// e-mail and by domain or normalized name before any is created.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "domain/deals/deal.hpp"
#include "storage/pg/pool.hpp"
#include "storage/pipedrive/wire.hpp"

namespace crmd::storage {

// A deal the mirror wrote, and what it was before (none: new).
struct MirroredDeal {
  deals::Deal after;
  std::optional<std::string> status_before;
  std::optional<Uuid> stage_before;
};

struct MirrorWrite {
  std::vector<MirroredDeal> deals;  // changed deals only
  std::size_t written = 0;          // rows inserted or changed
  std::vector<std::string> problems;
};

class DealMirror {
 public:
  static boost::asio::awaitable<MirrorWrite> users(pg::Transaction& tx,
                                                   const std::vector<pipedrive::User>& items);
  static boost::asio::awaitable<MirrorWrite> pipelines(
      pg::Transaction& tx, const std::vector<pipedrive::Pipeline>& items);
  static boost::asio::awaitable<MirrorWrite> stages(pg::Transaction& tx,
                                                    const std::vector<pipedrive::Stage>& items);
  static boost::asio::awaitable<MirrorWrite> organizations(
      pg::Transaction& tx, const std::vector<pipedrive::Organization>& items);
  static boost::asio::awaitable<MirrorWrite> persons(pg::Transaction& tx,
                                                     const std::vector<pipedrive::Person>& items);
  // Deals of a listing (archived: of /deals/archived); deleted ones are
  // soft-deleted here.
  static boost::asio::awaitable<MirrorWrite> deals(pg::Transaction& tx,
                                                   const std::vector<pipedrive::Deal>& items);
  static boost::asio::awaitable<MirrorWrite> notes(pg::Transaction& tx,
                                                   const std::vector<pipedrive::Note>& items);
  // Mirrored deals whose id is not among Pipedrive's any more (purged)
  // soft-deleted.
  static boost::asio::awaitable<MirrorWrite> purge_missing(pg::Transaction& tx,
                                                           const std::vector<std::int64_t>& ids);
};

}  // namespace crmd::storage
