#include "domain/imports/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace crmd::imports {
namespace {

constexpr std::size_t kMaxPartHeaders = 8 * 1024;

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The part's headers name a file: a filename parameter, or name="file".
bool names_a_file(std::string_view headers) {
  const auto text = lowered(headers);
  const auto disposition = text.find("content-disposition:");
  if (disposition == std::string::npos) return false;
  const auto line =
      std::string_view(text).substr(disposition, text.find("\r\n", disposition) - disposition);
  return line.find("filename=") != std::string_view::npos ||
         line.find("filename*=") != std::string_view::npos ||
         line.find("name=\"file\"") != std::string_view::npos ||
         line.find("name=file") != std::string_view::npos;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  const auto type = lowered(content_type);
  if (!type.starts_with("multipart/form-data")) return std::nullopt;
  const auto at = type.find("boundary=");
  if (at == std::string::npos) return std::nullopt;
  auto value = content_type.substr(at + 9);
  value = value.substr(0, value.find(';'));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  // RFC 2046: 1 to 70 characters, not ending with a space.
  if (value.empty() || value.size() > 70 || value.back() == ' ') return std::nullopt;
  return std::string(value);
}

MultipartScanner::MultipartScanner(std::string_view boundary)
    : delimiter_("\r\n--" + std::string(boundary)) {
  // The first delimiter may open the body without a line break before it:
  // scan as if the body began with one (offsets stay the body's own).
  pending_ = "\r\n";
  offset_ = static_cast<std::uint64_t>(-2);
}

void MultipartScanner::feed(std::string_view bytes) {
  if (error_ || state_ == State::epilogue) return;
  pending_.append(bytes);
  step();
}

void MultipartScanner::finish() {
  if (!error_ && state_ != State::epilogue) error_ = "the multipart body ends before its last part";
  if (!error_ && !file_) error_ = "the multipart body has no file part";
}

void MultipartScanner::step() {
  while (!error_) {
    switch (state_) {
      case State::preamble:
      case State::content: {
        const auto at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep what could be the start of a delimiter split by the chunk.
          const auto keep = std::min(pending_.size(), delimiter_.size() - 1);
          offset_ += pending_.size() - keep;
          pending_.erase(0, pending_.size() - keep);
          return;
        }
        if (state_ == State::content && part_is_file_ && !file_)
          file_ = ByteSpan{content_begin_, offset_ + at};
        offset_ += at + delimiter_.size();
        pending_.erase(0, at + delimiter_.size());
        state_ = State::after_delimiter;
        break;
      }
      case State::after_delimiter: {
        if (pending_.size() < 2) return;
        if (pending_.compare(0, 2, "--") == 0) {
          state_ = State::epilogue;
          pending_.clear();
          return;
        }
        // Transport padding (spaces, tabs) may stand before the line break.
        const auto eol = pending_.find("\r\n");
        if (eol == std::string::npos) {
          if (pending_.size() > 256) error_ = "a multipart delimiter line is malformed";
          return;
        }
        if (pending_.find_first_not_of(" \t") < eol) {
          error_ = "a multipart delimiter line is malformed";
          return;
        }
        offset_ += eol + 2;
        pending_.erase(0, eol + 2);
        state_ = State::headers;
        break;
      }
      case State::headers: {
        // A part with no headers at all starts with the empty line.
        const auto end = pending_.starts_with("\r\n") ? 0 : pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > kMaxPartHeaders) error_ = "a multipart part's headers are too long";
          return;
        }
        const auto skip = end == 0 ? 2 : end + 4;
        part_is_file_ = names_a_file(std::string_view(pending_).substr(0, end));
        if (part_is_file_ && !file_ && file_headers_.empty())
          file_headers_ = pending_.substr(0, end);
        offset_ += skip;
        pending_.erase(0, skip);
        content_begin_ = offset_;
        state_ = State::content;
        break;
      }
      case State::epilogue:
        return;
    }
  }
}

PartHeaders read_part_headers(std::string_view headers) {
  PartHeaders out;
  const auto text = lowered(headers);
  std::size_t line_start = 0;
  while (line_start < headers.size()) {
    auto line_end = headers.find("\r\n", line_start);
    if (line_end == std::string_view::npos) line_end = headers.size();
    const auto line = headers.substr(line_start, line_end - line_start);
    const auto lower = std::string_view(text).substr(line_start, line_end - line_start);
    if (lower.starts_with("content-type:")) {
      auto value = line.substr(13);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out.content_type = std::string(value);
    } else if (lower.starts_with("content-disposition:")) {
      const auto at = lower.find("filename=");
      if (at != std::string_view::npos) {
        auto value = line.substr(at + 9);
        if (value.starts_with('"')) {
          value.remove_prefix(1);
          std::string name;
          for (std::size_t i = 0; i < value.size() && value[i] != '"'; ++i) {
            if (value[i] == '\\' && i + 1 < value.size()) ++i;
            name.push_back(value[i]);
          }
          out.filename = std::move(name);
        } else {
          out.filename = std::string(value.substr(0, value.find(';')));
        }
      }
    }
    line_start = line_end + 2;
  }
  return out;
}

}  // namespace crmd::imports
