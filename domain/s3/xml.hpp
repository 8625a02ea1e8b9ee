// The few S3 XML documents crmd reads and writes: errors, the answer of
// CreateMultipartUpload, the body of CompleteMultipartUpload, and
// ListObjectsV2 pages. A reader of flat elements, enough for these
// documents (no attributes, CDATA or namespaces are needed from them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"

namespace crmd::s3 {

// &, <, >, " and ' as entities.
std::string xml_escape(std::string_view text);
// The five predefined entities and numeric ones decoded.
std::string xml_unescape(std::string_view text);

// The inner text of each <name>...</name> in document order (raw, not
// unescaped); an empty element <name/> gives "".
std::vector<std::string_view> elements(std::string_view xml, std::string_view name);
// The first element's text, unescaped.
std::optional<std::string> element_text(std::string_view xml, std::string_view name);

struct ErrorDocument {
  std::string code, message;
};
// <Error><Code>..</Code><Message>..</Message></Error>; nullopt when absent.
std::optional<ErrorDocument> parse_error(std::string_view xml);
// The S3 error document a server answers.
std::string error_document(std::string_view code, std::string_view message,
                           std::string_view resource);

// InitiateMultipartUploadResult's UploadId.
std::optional<std::string> parse_upload_id(std::string_view xml);

struct CompletedPart {
  int number = 0;
  std::string etag;  // as the server answered it, quotes included
};
std::string complete_multipart_body(const std::vector<CompletedPart>& parts);
// The parts of a CompleteMultipartUpload body, nullopt when malformed.
std::optional<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml);

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  Timestamp last_modified{};
};
struct ListPage {
  std::vector<ListedObject> objects;
  std::optional<std::string> next_token;  // set when truncated
};
// A ListObjectsV2 answer; throws std::invalid_argument when an entry is
// malformed.
ListPage parse_list_page(std::string_view xml);

}  // namespace crmd::s3
