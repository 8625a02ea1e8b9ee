#include "domain/s3/xml.hpp"

#include <charconv>
#include <stdexcept>

namespace crmd::s3 {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const auto semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    const auto entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.starts_with('#') && entity.size() > 1) {
      std::uint32_t cp = 0;
      const bool hexa = entity[1] == 'x' || entity[1] == 'X';
      const auto digits = entity.substr(hexa ? 2 : 1);
      const auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hexa ? 16 : 10);
      if (ec != std::errc() || end != digits.data() + digits.size() || cp > 0x10FFFF) {
        out += text.substr(i, semi - i + 1);
      } else {
        append_utf8(out, cp);
      }
    } else {
      out += text.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::vector<std::string_view> elements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(name), close = "</" + std::string(name) + ">";
  std::size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    const auto after = at + open.size();
    if (after >= xml.size()) break;
    // <Name>, <Name/> or <Name attr=...>; not <NameOther>.
    const char next = xml[after];
    if (next != '>' && next != '/' && next != ' ') {
      at = after;
      continue;
    }
    const auto head_end = xml.find('>', after);
    if (head_end == std::string_view::npos) break;
    if (xml[head_end - 1] == '/') {
      out.emplace_back();
      at = head_end + 1;
      continue;
    }
    const auto end = xml.find(close, head_end + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(head_end + 1, end - head_end - 1));
    at = end + close.size();
  }
  return out;
}

std::optional<std::string> element_text(std::string_view xml, std::string_view name) {
  const auto found = elements(xml, name);
  if (found.empty()) return std::nullopt;
  return xml_unescape(found.front());
}

std::optional<ErrorDocument> parse_error(std::string_view xml) {
  const auto error = elements(xml, "Error");
  if (error.empty()) return std::nullopt;
  ErrorDocument doc;
  doc.code = element_text(error.front(), "Code").value_or("");
  doc.message = element_text(error.front(), "Message").value_or("");
  if (doc.code.empty()) return std::nullopt;
  return doc;
}

std::string error_document(std::string_view code, std::string_view message,
                           std::string_view resource) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + xml_escape(code) +
         "</Code><Message>" + xml_escape(message) + "</Message><Resource>" + xml_escape(resource) +
         "</Resource><RequestId>0</RequestId></Error>";
}

std::optional<std::string> parse_upload_id(std::string_view xml) {
  auto id = element_text(xml, "UploadId");
  if (!id || id->empty()) return std::nullopt;
  return id;
}

std::string complete_multipart_body(const std::vector<CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const auto& part : parts)
    out += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" +
           xml_escape(part.etag) + "</ETag></Part>";
  out += "</CompleteMultipartUpload>";
  return out;
}

std::optional<std::vector<CompletedPart>> parse_complete_multipart(std::string_view xml) {
  const auto root = elements(xml, "CompleteMultipartUpload");
  if (root.size() != 1) return std::nullopt;
  std::vector<CompletedPart> parts;
  for (const auto part : elements(root.front(), "Part")) {
    const auto number = element_text(part, "PartNumber");
    auto etag = element_text(part, "ETag");
    if (!number || !etag) return std::nullopt;
    CompletedPart p;
    const auto [end, ec] =
        std::from_chars(number->data(), number->data() + number->size(), p.number);
    if (ec != std::errc() || end != number->data() + number->size()) return std::nullopt;
    p.etag = std::move(*etag);
    parts.push_back(std::move(p));
  }
  return parts;
}

ListPage parse_list_page(std::string_view xml) {
  ListPage page;
  for (const auto entry : elements(xml, "Contents")) {
    ListedObject object;
    auto key = element_text(entry, "Key");
    const auto size = element_text(entry, "Size");
    const auto modified = element_text(entry, "LastModified");
    if (!key || !size || !modified) throw std::invalid_argument("a listed object lacks a field");
    object.key = std::move(*key);
    const auto [end, ec] = std::from_chars(size->data(), size->data() + size->size(), object.size);
    if (ec != std::errc() || end != size->data() + size->size())
      throw std::invalid_argument("a listed object's size is not a number");
    const auto when = parse_timestamp(*modified);
    if (!when) throw std::invalid_argument("a listed object's LastModified is not a time");
    object.last_modified = *when;
    page.objects.push_back(std::move(object));
  }
  if (element_text(xml, "IsTruncated").value_or("false") == "true") {
    page.next_token = element_text(xml, "NextContinuationToken");
    if (!page.next_token || page.next_token->empty())
      throw std::invalid_argument("a truncated list without a continuation token");
  }
  return page;
}

}  // namespace crmd::s3
