// The export_contacts job: the selected contacts (ids, or the contacts
// list's filters) read through a cursor in one read-only snapshot, written
// as CSV (exports::export_columns()) to the blob store in batches (a local
// file written on the blocking pool, or an S3 object sent in parts). The
// blob appears under its key only once complete; a rescued export starts
// again from the top.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "actors/jobs/job_pool.hpp"
#include "storage/blob/blob_store.hpp"

namespace crmd::actors {

struct ContactExportSettings {
  storage::BlobStore* store = nullptr;  // exports are kept under "exports/<job id>.csv"
  std::size_t batch_rows = 10000;       // rows per FETCH, file write and progress update
};

JobHandler contact_export_handler(pg::Pool& pool, boost::asio::thread_pool& blocking,
                                  ContactExportSettings settings);

// The file of an export job, named by its id.
std::string export_file_name(const Uuid& job);

}  // namespace crmd::actors
