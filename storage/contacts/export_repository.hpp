// The SQL of contact exports: the selected contacts as the export's text
// columns (exports::export_columns(), in order), read through a cursor in
// the caller's transaction, so that an export streams one consistent
// snapshot in batches however many rows it holds.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "domain/exports/contact_export.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

// Opens the cursor; start tx with kExportTransaction.
boost::asio::awaitable<void> open_contact_export(pg::Transaction& tx,
                                                 const exports::ContactSelection& selection);
// The next rows, at most n; none at the end.
boost::asio::awaitable<pg::Result> fetch_contact_export(pg::Transaction& tx, std::size_t n);

inline constexpr const char* kExportTransaction =
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

}  // namespace crmd::storage
