#include "storage/pipedrive/wire.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "domain/common/error.hpp"

namespace crmd::pipedrive {

namespace json = boost::json;

namespace {

constexpr std::string_view malformed_code = "pipedrive_malformed";

// Reads one item; every failure names the item (kind and id when known) and
// the field.
class Reader {
 public:
  Reader(const json::object& item, std::string_view kind) : item_(item), kind_(kind) {}

  [[noreturn]] void fail(std::string_view field, std::string_view what) const {
    std::string who(kind_);
    if (id_) who += " " + std::to_string(*id_);
    std::string message = who + ": " + std::string(field) + ": " + std::string(what);
    throw Error(ErrorKind::unavailable, std::string(malformed_code), message,
                {FieldError{std::string(field), std::string(what)}});
  }

  // Present and not null.
  const json::value* at(std::string_view key) const {
    const auto* value = item_.if_contains(key);
    return value && !value->is_null() ? value : nullptr;
  }
  bool has(std::string_view key) const { return at(key) != nullptr; }

  std::int64_t id() {
    const auto* value = at("id");
    if (!value) fail("id", "missing");
    const auto id = integer(value);
    if (!id) fail("id", "not an integer");
    id_ = *id;
    return *id;
  }

  std::string text(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return "";
    if (!value->is_string()) fail(key, "not a string");
    return std::string(value->get_string());
  }
  std::optional<std::string> optional_text(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) fail(key, "not a string");
    if (value->get_string().empty()) return std::nullopt;
    return std::string(value->get_string());
  }

  // An integer field (integral numbers written as 5.0 too).
  std::optional<std::int64_t> optional_integer(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    const auto n = integer(value);
    if (!n) fail(key, "not an integer");
    return n;
  }
  std::optional<int> optional_int(std::string_view key) const {
    const auto n = optional_integer(key);
    if (!n) return std::nullopt;
    if (*n < std::numeric_limits<int>::min() || *n > std::numeric_limits<int>::max())
      fail(key, "out of range");
    return static_cast<int>(*n);
  }
  // A whole number of percent; Pipedrive may write 50.5: rounded.
  std::optional<int> optional_percent(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    if (!value->is_number()) fail(key, "not a number");
    const double d = value->to_number<double>();
    if (!std::isfinite(d) || d < -1e9 || d > 1e9) fail(key, "out of range");
    return static_cast<int>(std::lround(d));
  }
  std::optional<double> optional_number(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    if (!value->is_number()) fail(key, "not a number");
    return value->to_number<double>();
  }
  // An id: an integer or v1's nested {"value"|"id": n}.
  std::optional<std::int64_t> optional_id(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    const auto id = id_of(value);
    if (!id) {
      // A nested object without any id at all (v1 writes {"value": null}
      // for none) is no id, not a malformed one.
      if (value->is_object()) {
        const auto& object = value->get_object();
        const auto* inner = object.if_contains("value");
        if (!inner) inner = object.if_contains("id");
        if (!inner || inner->is_null()) return std::nullopt;
      }
      fail(key, "not an id");
    }
    return id;
  }

  // A flag: true/false, or v1's 0/1 (also "0"/"1").
  std::optional<bool> optional_flag(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    if (value->is_bool()) return value->get_bool();
    if (const auto n = integer(value); n && (*n == 0 || *n == 1)) return *n == 1;
    if (value->is_string() && (value->get_string() == "0" || value->get_string() == "1"))
      return value->get_string() == "1";
    fail(key, "not a flag");
  }

  std::optional<Timestamp> time(std::string_view key) const {
    const auto* value = at(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) fail(key, "not a time string");
    if (value->get_string().empty()) return std::nullopt;
    const auto t = parse_time(*value);
    if (!t) fail(key, "not a time");
    return t;
  }

  std::optional<std::string> date(std::string_view key) const {
    const auto text = optional_text(key);
    if (!text) return std::nullopt;
    if (!is_date(*text)) fail(key, "not a date (YYYY-MM-DD)");
    return text;
  }

  // The values of a list of {value, primary} (v2 emails/phones, v1
  // email/phone), primary first; a plain string or strings are accepted too.
  std::vector<std::string> contact_values(std::string_view key) const {
    std::vector<std::string> out;
    const auto* value = at(key);
    if (!value) return out;
    if (value->is_string()) {
      if (!value->get_string().empty()) out.emplace_back(value->get_string());
      return out;
    }
    if (!value->is_array()) fail(key, "not a list");
    std::vector<std::string> rest;
    for (const auto& entry : value->get_array()) {
      if (entry.is_string()) {
        if (!entry.get_string().empty()) rest.emplace_back(entry.get_string());
        continue;
      }
      if (!entry.is_object()) fail(key, "an entry is not an object");
      const auto& object = entry.get_object();
      const auto* text = object.if_contains("value");
      if (!text || text->is_null()) continue;
      if (!text->is_string()) fail(key, "an entry's value is not a string");
      if (text->get_string().empty()) continue;
      const auto* primary = object.if_contains("primary");
      const bool is_primary = primary && primary->is_bool() && primary->get_bool();
      (is_primary ? out : rest).emplace_back(text->get_string());
    }
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }

  const json::object& item() const { return item_; }

  static std::optional<std::int64_t> integer(const json::value* value) {
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64()) {
      if (value->get_uint64() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
      return static_cast<std::int64_t>(value->get_uint64());
    }
    if (value->is_double()) {
      const double d = value->get_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
  }

 private:
  const json::object& item_;
  std::string_view kind_;
  std::optional<std::int64_t> id_;
};

// is_deleted (v2), deleted (v1), else active_flag / active == false.
bool deleted_of(const Reader& r) {
  if (const auto v = r.optional_flag("is_deleted")) return *v;
  if (const auto v = r.optional_flag("deleted")) return *v;
  if (const auto v = r.optional_flag("active_flag")) return !*v;
  if (const auto v = r.optional_flag("active")) return !*v;
  return false;
}

[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorKind::unavailable, std::string(malformed_code),
              "Pipedrive answered " + what + " that could not be read");
}

json::value parse_body(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) malformed("a body");
  return value;
}

// Throws for an error envelope.
void expect_success(const json::object& envelope) {
  const auto* success = envelope.if_contains("success");
  if (success && success->is_bool() && !success->get_bool()) {
    const auto error = api_error_of(json::serialize(envelope));
    std::string message = "Pipedrive answered an error";
    if (error && !error->error.empty()) message += ": " + error->error;
    if (error && !error->error_info.empty()) message += " (" + error->error_info + ")";
    throw Error(ErrorKind::unavailable, "pipedrive_error", message);
  }
}

std::string describe(std::size_t index, const json::value& item, const Error& e) {
  // The Reader names the item when it got as far as its id.
  if (item.is_object()) {
    const auto* id = item.get_object().if_contains("id");
    if (id && (id->is_int64() || id->is_uint64())) return e.detail();
  }
  return "item " + std::to_string(index) + ": " + e.detail();
}

template <class T>
std::string_view kind_name();
template <>
std::string_view kind_name<User>() {
  return "user";
}
template <>
std::string_view kind_name<Pipeline>() {
  return "pipeline";
}
template <>
std::string_view kind_name<Stage>() {
  return "stage";
}
template <>
std::string_view kind_name<Organization>() {
  return "organization";
}
template <>
std::string_view kind_name<Person>() {
  return "person";
}
template <>
std::string_view kind_name<Deal>() {
  return "deal";
}
template <>
std::string_view kind_name<Note>() {
  return "note";
}

}  // namespace

// --- pieces ----------------------------------------------------------------

std::optional<Timestamp> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (auto t = parse_timestamp(text)) return t;
  // v1's naive form has no zone: it is UTC.
  if (text.size() >= 19 && text.size() <= 26 && text[10] == ' ') {
    std::string zoned(text);
    zoned += 'Z';
    return parse_timestamp(zoned);
  }
  return std::nullopt;
}

std::optional<Timestamp> parse_time(const json::value& value) {
  if (!value.is_string()) return std::nullopt;
  return parse_time(std::string_view(value.get_string()));
}

std::optional<std::int64_t> id_of(const json::value* value) {
  if (!value || value->is_null()) return std::nullopt;
  if (value->is_object()) {
    const auto& object = value->get_object();
    // v1 person_id/org_id carry "value", user_id both "id" and "value".
    for (const char* key : {"value", "id"}) {
      const auto* inner = object.if_contains(key);
      if (inner && !inner->is_null()) {
        if (inner->is_object()) return std::nullopt;
        return id_of(inner);
      }
    }
    return std::nullopt;
  }
  if (value->is_int64() || value->is_uint64() || value->is_double()) return Reader::integer(value);
  return std::nullopt;
}

bool is_custom_field_key(std::string_view key) {
  if (key.size() != 40) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  const int y = std::stoi(std::string(text.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m},
                                     std::chrono::day{d}}
      .ok();
}

// --- items -----------------------------------------------------------------

User user_of(const json::object& item) {
  Reader r(item, "user");
  User out;
  out.id = r.id();
  out.name = r.text("name");
  out.email = r.optional_text("email");
  if (const auto v = r.optional_flag("active_flag"))
    out.active = *v;
  else if (const auto d = r.optional_flag("is_deleted"))
    out.active = !*d;
  return out;
}

Pipeline pipeline_of(const json::object& item) {
  Reader r(item, "pipeline");
  Pipeline out;
  out.id = r.id();
  out.name = r.text("name");
  out.order_nr = r.optional_int("order_nr").value_or(0);
  if (const auto v = r.optional_flag("is_deal_probability_enabled"))
    out.deal_probability = *v;
  else if (const auto v1 = r.optional_flag("deal_probability"))
    out.deal_probability = *v1;
  out.deleted = deleted_of(r);
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  return out;
}

Stage stage_of(const json::object& item) {
  Reader r(item, "stage");
  Stage out;
  out.id = r.id();
  out.pipeline_id = r.optional_integer("pipeline_id").value_or(0);
  out.name = r.text("name");
  out.order_nr = r.optional_int("order_nr").value_or(0);
  out.deal_probability = r.optional_percent("deal_probability");
  if (const auto v = r.optional_flag("is_deal_rot_enabled"))
    out.rot_enabled = *v;
  else if (const auto v1 = r.optional_flag("rotten_flag"))
    out.rot_enabled = *v1;
  out.days_to_rotten =
      r.has("days_to_rotten") ? r.optional_int("days_to_rotten") : r.optional_int("rotten_days");
  out.deleted = deleted_of(r);
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  return out;
}

Organization organization_of(const json::object& item) {
  Reader r(item, "organization");
  Organization out;
  out.id = r.id();
  out.name = r.text("name");
  out.website = r.optional_text("website");
  out.owner_id = r.has("owner_id") ? r.optional_id("owner_id") : r.optional_id("user_id");
  out.deleted = deleted_of(r);
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  return out;
}

Person person_of(const json::object& item) {
  Reader r(item, "person");
  Person out;
  out.id = r.id();
  out.name = r.text("name");
  out.emails = r.has("emails") ? r.contact_values("emails") : r.contact_values("email");
  out.phones = r.has("phones") ? r.contact_values("phones") : r.contact_values("phone");
  out.org_id = r.optional_id("org_id");
  out.owner_id = r.has("owner_id") ? r.optional_id("owner_id") : r.optional_id("user_id");
  out.deleted = deleted_of(r);
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  return out;
}

Deal deal_of(const json::object& item) {
  Reader r(item, "deal");
  Deal out;
  out.id = r.id();
  out.title = r.text("title");
  out.owner_id = r.has("owner_id") ? r.optional_id("owner_id") : r.optional_id("user_id");
  out.person_id = r.optional_id("person_id");
  out.org_id = r.optional_id("org_id");
  out.pipeline_id = r.optional_integer("pipeline_id").value_or(0);
  out.stage_id = r.optional_integer("stage_id").value_or(0);
  out.value = r.optional_number("value");
  out.currency = r.text("currency");
  out.status = r.text("status");
  out.deleted = deleted_of(r) || out.status == "deleted";
  out.archived = r.optional_flag("is_archived").value_or(false);
  out.probability = r.optional_percent("probability");
  out.lost_reason = r.optional_text("lost_reason");
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  out.stage_change_time = r.time("stage_change_time");
  out.close_time = r.time("close_time");
  out.won_time = r.time("won_time");
  out.lost_time = r.time("lost_time");
  out.archive_time = r.time("archive_time");
  out.expected_close_date = r.date("expected_close_date");
  // v1: custom fields are top-level 40-hex keys; v2 has them in one object.
  for (const auto& [key, value] : item)
    if (is_custom_field_key(key)) out.custom_fields[key] = value;
  if (const auto* custom = r.at("custom_fields")) {
    if (!custom->is_object()) r.fail("custom_fields", "not an object");
    for (const auto& [key, value] : custom->get_object()) out.custom_fields[key] = value;
  }
  return out;
}

Note note_of(const json::object& item) {
  Reader r(item, "note");
  Note out;
  out.id = r.id();
  out.content = r.text("content");
  out.deal_id = r.optional_id("deal_id");
  out.person_id = r.optional_id("person_id");
  out.org_id = r.optional_id("org_id");
  out.user_id = r.optional_id("user_id");
  out.add_time = r.time("add_time");
  out.update_time = r.time("update_time");
  if (const auto v = r.optional_flag("active_flag"))
    out.active = *v;
  else if (const auto d = r.optional_flag("is_deleted"))
    out.active = !*d;
  return out;
}

template <>
User item_of<User>(const json::object& item) {
  return user_of(item);
}
template <>
Pipeline item_of<Pipeline>(const json::object& item) {
  return pipeline_of(item);
}
template <>
Stage item_of<Stage>(const json::object& item) {
  return stage_of(item);
}
template <>
Organization item_of<Organization>(const json::object& item) {
  return organization_of(item);
}
template <>
Person item_of<Person>(const json::object& item) {
  return person_of(item);
}
template <>
Deal item_of<Deal>(const json::object& item) {
  return deal_of(item);
}
template <>
Note item_of<Note>(const json::object& item) {
  return note_of(item);
}

// --- envelopes --------------------------------------------------------------

std::optional<ApiError> api_error_of(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& envelope = value.get_object();
  const auto* success = envelope.if_contains("success");
  const bool failed = success && success->is_bool() && !success->get_bool();
  const auto* error = envelope.if_contains("error");
  const auto* data = envelope.if_contains("data");
  if (!failed && !(error && error->is_string() && (!data || data->is_null()))) return std::nullopt;
  ApiError out;
  if (error && error->is_string()) out.error = std::string(error->get_string());
  if (const auto* info = envelope.if_contains("error_info"); info && info->is_string())
    out.error_info = std::string(info->get_string());
  for (const char* key : {"errorCode", "code"}) {
    const auto* code = envelope.if_contains(key);
    if (!code || code->is_null()) continue;
    if (code->is_string())
      out.code = std::string(code->get_string());
    else if (code->is_number())
      out.code = json::serialize(*code);
    if (out.code) break;
  }
  return out;
}

namespace {

// The items of a list envelope (none for v1's data: null).
const json::array* items_of(const json::object& envelope, std::string_view kind) {
  const auto* data = envelope.if_contains("data");
  if (!data || data->is_null()) return nullptr;
  if (!data->is_array()) malformed("a " + std::string(kind) + " list");
  return &data->get_array();
}

template <class T>
void read_pagination(const json::object& envelope, Page<T>& page) {
  const auto* additional = envelope.if_contains("additional_data");
  if (additional && additional->is_object()) {
    const auto& more = additional->get_object();
    if (const auto* cursor = more.if_contains("next_cursor"); cursor && !cursor->is_null()) {
      if (!cursor->is_string()) malformed("a next_cursor");
      if (!cursor->get_string().empty()) page.next_cursor = std::string(cursor->get_string());
    }
    if (const auto* pagination = more.if_contains("pagination");
        pagination && pagination->is_object()) {
      const auto& p = pagination->get_object();
      const auto* more_items = p.if_contains("more_items_in_collection");
      const bool has_more = more_items && more_items->is_bool() && more_items->get_bool();
      if (has_more) {
        const auto next = id_of(p.if_contains("next_start"));
        if (!next) malformed("more_items_in_collection without a next_start");
        page.next_start = *next;
      }
    }
  }
}

}  // namespace

template <class T>
Page<T> parse_page(std::string_view body) {
  const json::value value = parse_body(body);
  const auto& envelope = value.get_object();
  expect_success(envelope);
  Page<T> page;
  if (const json::array* items = items_of(envelope, kind_name<T>())) {
    page.items.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
      const json::value& item = (*items)[i];
      if (!item.is_object()) {
        page.problems.push_back("item " + std::to_string(i) + ": not an object");
        continue;
      }
      try {
        page.items.push_back(item_of<T>(item.get_object()));
      } catch (const Error& e) {
        page.problems.push_back(describe(i, item, e));
      }
    }
  }
  read_pagination(envelope, page);
  return page;
}

Page<std::int64_t> parse_id_page(std::string_view body) {
  const json::value value = parse_body(body);
  const auto& envelope = value.get_object();
  expect_success(envelope);
  Page<std::int64_t> page;
  if (const json::array* items = items_of(envelope, "deal")) {
    page.items.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
      const json::value& item = (*items)[i];
      const json::value* id = item.is_object() ? item.get_object().if_contains("id") : nullptr;
      const auto n = id && !id->is_object() ? id_of(id) : std::nullopt;
      if (n)
        page.items.push_back(*n);
      else
        page.problems.push_back("item " + std::to_string(i) + ": id: missing or not an integer");
    }
  }
  read_pagination(envelope, page);
  return page;
}

template <class T>
T parse_single(std::string_view body) {
  const json::value value = parse_body(body);
  const auto& envelope = value.get_object();
  expect_success(envelope);
  const auto* data = envelope.if_contains("data");
  if (!data || !data->is_object()) malformed(std::string("a ") + std::string(kind_name<T>()));
  return item_of<T>(data->get_object());
}

template Page<User> parse_page<User>(std::string_view);
template Page<Pipeline> parse_page<Pipeline>(std::string_view);
template Page<Stage> parse_page<Stage>(std::string_view);
template Page<Organization> parse_page<Organization>(std::string_view);
template Page<Person> parse_page<Person>(std::string_view);
template Page<Deal> parse_page<Deal>(std::string_view);
template Page<Note> parse_page<Note>(std::string_view);
template User parse_single<User>(std::string_view);
template Pipeline parse_single<Pipeline>(std::string_view);
template Stage parse_single<Stage>(std::string_view);
template Organization parse_single<Organization>(std::string_view);
template Person parse_single<Person>(std::string_view);
template Deal parse_single<Deal>(std::string_view);
template Note parse_single<Note>(std::string_view);

}  // namespace crmd::pipedrive
