// JSON text written straight to a string: the answer of a record or a page
// without building a boost::json tree first (building, hashing and freeing
// that tree was a fifth of crmd's CPU on a page of contacts). The output is
// what boost::json::serialize writes for the same values.
#pragma once

#include <boost/json/fwd.hpp>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {

class JsonText {
 public:
  // Room a record's text is given first: most fit, so the text is not
  // copied as it grows.
  static constexpr std::size_t kRecordBytes = 1024;

  JsonText() = default;
  explicit JsonText(std::size_t reserve) { text_.reserve(reserve); }

  // A tree's text, as boost::json::serialize writes it.
  static JsonText of_tree(const boost::json::value& tree);

  // The text of a record whose write_json(JsonText&, const T&) is found
  // beside its type.
  template <class T>
  static JsonText of(const T& record) {
    JsonText out(kRecordBytes);
    write_json(out, record);
    return out;
  }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(const Uuid& id);
  void value(Timestamp t);
  void value(std::nullptr_t);
  void value(const boost::json::value& tree);
  void value(const boost::json::object& tree);
  void value(const std::vector<std::string>& texts);
  template <std::integral N>
  void value(N n) {
    if constexpr (std::same_as<N, bool>)
      literal(n ? "true" : "false");
    else
      number(static_cast<std::int64_t>(n));
  }
  template <class T>
  void value(const std::optional<T>& v) {
    if (v)
      value(*v);
    else
      value(nullptr);
  }
  // JSON text made elsewhere (by another JsonText), as one value.
  void raw(std::string_view json) { literal(json); }

  template <class T>
  void member(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

  const std::string& str() const& { return text_; }
  std::string str() && { return std::move(text_); }

 private:
  void open(char bracket);
  void close(char bracket);
  void separate() {
    if (after_value_) text_ += ',';
  }
  void literal(std::string_view text);
  void number(std::int64_t n);
  void quoted(std::string_view text);

  std::string text_;
  bool after_value_ = false;  // a member or element is written: a comma comes first
};

}  // namespace crmd
