// Reading a JSON request body field by field. Every problem is collected —
// a body that is not an object, unknown fields (no mass assignment),
// missing, mistyped or oversized values — and finish() throws them all at
// once as one validation error (422) naming each field.
#pragma once

#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {

// A field of a PATCH: absent (nullopt) leaves it as it is, null
// (optional holding nullopt) clears it, a value sets it.
template <class T>
using Change = std::optional<std::optional<T>>;

class FieldReader {
 public:
  // body must outlive the reader.
  FieldReader(const boost::json::value& body, std::initializer_list<std::string_view> allowed);
  FieldReader(boost::json::value&&, std::initializer_list<std::string_view>) = delete;

  // A string of at most max_bytes (trimmed of surrounding spaces when trim).
  std::optional<std::string> string(std::string_view name, bool required, std::size_t max_bytes,
                                    bool trim = true);
  std::optional<bool> boolean(std::string_view name, bool required = false);
  std::optional<std::vector<std::string>> strings(std::string_view name, bool required,
                                                  std::size_t max_items, std::size_t max_bytes);

  std::optional<std::int64_t> integer(std::string_view name, bool required, std::int64_t min,
                                      std::int64_t max);
  std::optional<Uuid> uuid(std::string_view name, bool required);

  // PATCH forms of the above: see Change. An empty or blank string reads
  // as null.
  void change(std::string_view name, Change<std::string>& out, std::size_t max_bytes);
  void change(std::string_view name, Change<std::vector<std::string>>& out, std::size_t max_items,
              std::size_t max_bytes);
  void change(std::string_view name, Change<std::int64_t>& out, std::int64_t min, std::int64_t max);
  void change(std::string_view name, Change<Uuid>& out);

  bool has(std::string_view name) const;
  void fail(std::string field, std::string message);
  // Throws Error{validation} when anything was wrong.
  void finish() const;

 private:
  // The field's value, or null when absent or JSON null (failing if required).
  const boost::json::value* present(std::string_view name, bool required);
  // Whether the field is present as JSON null (and so to be cleared).
  bool is_null(std::string_view name) const;

  const boost::json::object* object_ = nullptr;
  std::vector<FieldError> errors_;
};

}  // namespace crmd
