// The file part of a multipart body kept on disk, copied out chunk by chunk.
#include "storage/blob_file.hpp"

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/common/error.hpp"
#include "tests/support/test_support.hpp"

namespace crmd::storage {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class BlobFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / test::unique_name("blob");
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  test::IoThreads io;
  boost::asio::thread_pool blocking{2};
};

// A part of about 1 MiB spans several chunks, and the boundary after it
// falls across a chunk's edge: the copy is the part, byte for byte.
TEST_F(BlobFileTest, AFilePartLargerThanAChunkIsCopiedWhole) {
  const std::string boundary = "crmd-boundary";
  const std::string head = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"a.csv\"\r\n\r\n";
  constexpr std::size_t kChunk = 256 * 1024;  // extract_multipart_file's
  std::string file;
  for (int i = 0; file.size() < 3 * kChunk; ++i) file += "row " + std::to_string(i) + "\n";
  file.resize(4 * kChunk - head.size() - 5, 'x');  // "\r\n--" starts 5 bytes before an edge
  const std::string body = head + file + "\r\n--" + boundary + "--\r\n";
  const auto from = dir / "body", to = dir / "file";
  std::ofstream(from, std::ios::binary) << body;
  io.run(extract_multipart_file(blocking, from.string(), boundary, to.string()));
  EXPECT_EQ(read_file(to), file);

  std::ofstream(from, std::ios::binary | std::ios::trunc) << "--" + boundary + "\r\nno headers";
  EXPECT_THROW(io.run(extract_multipart_file(blocking, from.string(), boundary, to.string())),
               Error);
}

}  // namespace
}  // namespace crmd::storage
