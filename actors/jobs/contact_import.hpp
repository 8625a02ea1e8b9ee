// The import_contacts job: the uploaded CSV, read from the blob store in
// chunks (storage::BlobReader: a local file on the blocking pool, or
// ranged GETs of an S3 object), parsed and mapped row by row, and written in
// batches. Each batch commits its rows, its row errors, the job's progress
// and the byte offset reached (the checkpoint) in one transaction, fenced by
// the lease, so a rescued import resumes after the last committed batch and
// a worker that lost its lease commits nothing.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "actors/jobs/job_pool.hpp"
#include "domain/imports/csv_reader.hpp"
#include "storage/blob/blob_store.hpp"

namespace crmd::actors {

struct ContactImportSettings {
  storage::BlobStore* store = nullptr;  // where uploads are kept, under payload.file
  // Rows per transaction; progress is published at least this often. 2,000
  // rows take about 0.3 s (200 made the import 20% slower, bench/README.md).
  std::size_t batch_rows = 2000;
  imports::CsvLimits limits;
};

JobHandler contact_import_handler(pg::Pool& pool, boost::asio::thread_pool& blocking,
                                  ContactImportSettings settings);

}  // namespace crmd::actors
