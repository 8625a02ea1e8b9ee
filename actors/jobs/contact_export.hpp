// The export_contacts job: the selected contacts (ids, or the contacts
// list's filters) read through a cursor in one read-only snapshot, written
// as CSV (exports::export_columns()) to the blob store in batches, the file
// written on the blocking pool. The file appears under its final name only
// once complete; a rescued export starts again from the top.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "actors/jobs/job_pool.hpp"

namespace crmd::actors {

struct ContactExportSettings {
  std::string export_dir;          // where finished exports are kept
  std::size_t batch_rows = 10000;  // rows per FETCH, file write and progress update
};

JobHandler contact_export_handler(pg::Pool& pool, boost::asio::thread_pool& blocking,
                                  ContactExportSettings settings);

// The file of an export job, named by its id.
std::string export_file_name(const Uuid& job);

}  // namespace crmd::actors
