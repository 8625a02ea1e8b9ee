#include "domain/imports/multipart.hpp"

#include <gtest/gtest.h>

namespace crmd::imports {
namespace {

const std::string kBoundary = "xYzZY";
const std::string kBody =
    "--xYzZY\r\n"
    "Content-Disposition: form-data; name=\"mode\"\r\n\r\n"
    "upsert\r\n"
    "--xYzZY\r\n"
    "Content-Disposition: form-data; name=\"upload\"; filename=\"a.csv\"\r\n"
    "Content-Type: text/csv\r\n\r\n"
    "email\r\na@b.c\r\n--xYzZ not yet\r\n"
    "--xYzZY--\r\n"
    "epilogue";

std::string file_of(const std::string& body, const ByteSpan& span) {
  return body.substr(span.begin, span.end - span.begin);
}

TEST(Multipart, BoundaryFromTheContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; boundary=\"a b c\"; charset=x"), "a b c");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipart_boundary("text/csv; boundary=abc"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')),
            std::nullopt);
}

TEST(Multipart, FindsTheFilePartWhateverTheChunkSize) {
  for (std::size_t chunk = 1; chunk <= kBody.size(); ++chunk) {
    MultipartScanner scanner(kBoundary);
    for (std::size_t at = 0; at < kBody.size(); at += chunk)
      scanner.feed(std::string_view(kBody).substr(at, chunk));
    scanner.finish();
    ASSERT_FALSE(scanner.error()) << chunk << ": " << *scanner.error();
    ASSERT_TRUE(scanner.file()) << chunk;
    EXPECT_EQ(file_of(kBody, *scanner.file()), "email\r\na@b.c\r\n--xYzZ not yet") << chunk;
  }
}

TEST(Multipart, APreambleAndAPartNamedFile) {
  const std::string body =
      "ignored preamble\r\n--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
      "x,y\r\n--b--";
  MultipartScanner scanner("b");
  scanner.feed(body);
  scanner.finish();
  ASSERT_TRUE(scanner.file());
  EXPECT_EQ(file_of(body, *scanner.file()), "x,y");
}

TEST(Multipart, MalformedBodiesAreErrors) {
  const auto error_of = [](const std::string& body) {
    MultipartScanner scanner("b");
    scanner.feed(body);
    scanner.finish();
    return scanner.error().value_or("");
  };
  EXPECT_NE(error_of("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--"), "");
  EXPECT_NE(error_of("--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx"), "");
  EXPECT_NE(error_of("no delimiter at all"), "");
  EXPECT_NE(error_of("--bjunk\r\n\r\n"), "");
  EXPECT_NE(error_of("--b\r\n" + std::string(9000, 'h')), "");
}

}  // namespace
}  // namespace crmd::imports
