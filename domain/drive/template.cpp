#include "domain/drive/template.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "domain/common/fields.hpp"
#include "domain/common/json_of.hpp"
#include "domain/drive/names.hpp"

namespace crmd::drive {
namespace {

constexpr std::array<std::string_view, 5> kPlaceholders{"year", "month", "entity_name",
                                                        "entity_type", "entity_id"};

// Calls on_text(text) and on_placeholder(name) in order; false at an
// unclosed "{{".
template <class Text, class Placeholder>
bool scan(std::string_view name, Text on_text, Placeholder on_placeholder) {
  for (;;) {
    const auto open = name.find("{{");
    if (open == std::string_view::npos) {
      on_text(name);
      return true;
    }
    on_text(name.substr(0, open));
    const auto close = name.find("}}", open + 2);
    if (close == std::string_view::npos) return false;
    auto inner = name.substr(open + 2, close - open - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    on_placeholder(inner);
    name.remove_prefix(close + 2);
  }
}

struct NodeReader {
  FieldReader& fields;
  std::size_t count = 0;

  std::vector<TemplateNode> read(const boost::json::value& json, const std::string& path,
                                 std::size_t depth) {
    std::vector<TemplateNode> nodes;
    const auto* array = json.if_array();
    if (!array) {
      fields.fail(path, "expected an array of nodes");
      return nodes;
    }
    if (depth > kMaxTemplateDepth) {
      fields.fail(path, "nodes nest at most " + std::to_string(kMaxTemplateDepth) + " deep");
      return nodes;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto at = path + "[" + std::to_string(i) + "]";
      if (++count > kMaxTemplateNodes) {
        fields.fail(path, "a template has at most " + std::to_string(kMaxTemplateNodes) + " nodes");
        return nodes;
      }
      nodes.push_back(node(array->at(i), at, depth));
    }
    return nodes;
  }

  TemplateNode node(const boost::json::value& json, const std::string& at, std::size_t depth) {
    TemplateNode node;
    const auto* object = json.if_object();
    if (!object) {
      fields.fail(at, "expected an object with name, order and children");
      return node;
    }
    for (const auto& [key, value] : *object)
      if (key != "name" && key != "order" && key != "children")
        fields.fail(at + "." + std::string(key), "unknown field");
    const auto* name = object->if_contains("name");
    if (!name || !name->is_string()) {
      fields.fail(at + ".name", "required, a string");
    } else {
      node.name = std::string(name->as_string());
      auto problem = placeholder_problem(node.name);
      if (!problem) problem = name_problem(node.name);
      if (problem) fields.fail(at + ".name", *problem);
    }
    if (const auto* order = object->if_contains("order")) {
      const auto* number = order->if_int64();
      if (!number || *number < 0 || *number > 10000)
        fields.fail(at + ".order", "expected an integer from 0 to 10000");
      else
        node.order = static_cast<std::int32_t>(*number);
    }
    if (const auto* children = object->if_contains("children"))
      node.children = read(*children, at + ".children", depth + 1);
    return node;
  }
};

}  // namespace

boost::json::array nodes_to_json(const std::vector<TemplateNode>& nodes,
                                 const boost::json::storage_ptr& sp) {
  boost::json::array out(sp);
  for (const auto& n : nodes)
    out.push_back(boost::json::object({{"name", json_of(n.name, sp)},
                                       {"order", n.order},
                                       {"children", nodes_to_json(n.children, sp)}},
                                      sp));
  return out;
}

std::vector<TemplateNode> nodes_from_json(const boost::json::value& json) {
  std::vector<TemplateNode> nodes;
  if (const auto* array = json.if_array())
    for (const auto& item : *array) {
      const auto& o = item.as_object();
      TemplateNode n{std::string(o.at("name").as_string()),
                     static_cast<std::int32_t>(o.at("order").to_number<std::int64_t>()),
                     {}};
      if (const auto* children = o.if_contains("children")) n.children = nodes_from_json(*children);
      nodes.push_back(std::move(n));
    }
  return nodes;
}

boost::json::object to_json(const Template& t, const boost::json::storage_ptr& sp) {
  return boost::json::object({{"id", json_of(t.id, sp)},
                              {"name", json_of(t.name, sp)},
                              {"entity_type", json_of(to_string(t.entity_type), sp)},
                              {"active", t.active},
                              {"nodes", nodes_to_json(t.nodes, sp)},
                              {"created_at", json_of(t.created_at, sp)},
                              {"updated_at", json_of(t.updated_at, sp)}},
                             sp);
}

namespace {

schema::Schema node_schema() {
  using namespace schema;
  // Nested nodes have this same shape; said in words, as the schema
  // builder makes no recursive schemas.
  auto children = described(array(any_object()), "nodes of this same shape, nested");
  return Object("DriveTemplateNode")
      .field("name", string(kMaxNameBytes),
             "may hold {{year}}, {{month}}, {{entity_name}}, {{entity_type}}, {{entity_id}}")
      .optional("order", integer(0, 10000))
      .optional("children", children);
}

schema::Schema entity_type_schema() {
  return schema::one_of_strings({"company", "lead", "deal", "contact"});
}

}  // namespace

schema::Schema json_schema(std::type_identity<Template>) {
  using namespace schema;
  return Object("DriveTemplate")
      .field("id", uuid())
      .field("name", string())
      .field("entity_type", entity_type_schema())
      .field("active", boolean(), "the one template a new root of its entity type is made from")
      .field("nodes", array(node_schema()))
      .field("created_at", timestamp())
      .field("updated_at", timestamp());
}

schema::Schema template_input_schema(bool creating) {
  using namespace schema;
  Object o(creating ? "DriveTemplateInput" : "DriveTemplatePatch");
  auto nodes = array(node_schema(), kMaxTemplateNodes);
  if (creating)
    o.field("name", string(200)).field("entity_type", entity_type_schema()).field("nodes", nodes);
  else
    o.optional("name", string(200))
        .optional("entity_type", entity_type_schema())
        .optional("nodes", nodes);
  return o.optional("active", boolean(), "activating one deactivates the type's other templates");
}

TemplateChanges parse_template(const boost::json::value& body, bool creating) {
  FieldReader r(body, {"name", "entity_type", "active", "nodes"});
  TemplateChanges c;
  c.name = r.string("name", creating, 200);
  if (c.name && c.name->empty()) r.fail("name", "may not be empty");
  if (auto type = r.string("entity_type", creating, 20)) {
    c.entity_type = parse_entity_type(*type);
    if (!c.entity_type) r.fail("entity_type", "expected company, lead, deal or contact");
  }
  c.active = r.boolean("active");
  const auto* object = body.if_object();
  const auto* nodes = object ? object->if_contains("nodes") : nullptr;
  if (nodes) {
    NodeReader reader{r};
    c.nodes = reader.read(*nodes, "nodes", 1);
  } else if (creating) {
    r.fail("nodes", "required (an empty array for a bare root)");
  }
  r.finish();
  return c;
}

std::optional<std::string> placeholder_problem(std::string_view name) {
  std::optional<std::string> problem;
  const bool closed = scan(
      name, [](std::string_view) {},
      [&](std::string_view placeholder) {
        const bool known = std::find(kPlaceholders.begin(), kPlaceholders.end(), placeholder) !=
                           kPlaceholders.end();
        if (!known && !problem)
          problem = "unknown placeholder {{" + std::string(placeholder) +
                    "}} (known: year, month, entity_name, entity_type, entity_id)";
      });
  if (!closed && !problem) problem = "a {{ is not closed by }}";
  return problem;
}

PlaceholderValues placeholder_values(EntityType type, const Uuid& id, std::string entity_name,
                                     Timestamp now) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(now)};
  return {static_cast<int>(day.year()), static_cast<int>(static_cast<unsigned>(day.month())),
          std::move(entity_name), std::string(to_string(type)), id.str()};
}

std::string render_name(std::string_view name, const PlaceholderValues& values) {
  std::string out;
  scan(
      name, [&](std::string_view text) { out += text; },
      [&](std::string_view placeholder) {
        if (placeholder == "year") {
          out += std::to_string(values.year);
        } else if (placeholder == "month") {
          if (values.month < 10) out += '0';
          out += std::to_string(values.month);
        } else if (placeholder == "entity_name") {
          out += values.entity_name;
        } else if (placeholder == "entity_type") {
          out += values.entity_type;
        } else if (placeholder == "entity_id") {
          out += values.entity_id;
        }
      });
  return sanitized_name(out);
}

namespace {

std::string lowered(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Siblings of one name (folder names are unique in a folder, whatever
// their case) become one folder holding the children of all.
std::vector<RenderedFolder> merged(std::vector<RenderedFolder> folders) {
  std::vector<RenderedFolder> out;
  for (auto& folder : folders) {
    auto same = std::find_if(out.begin(), out.end(), [&](const RenderedFolder& f) {
      return lowered(f.name) == lowered(folder.name);
    });
    if (same == out.end()) {
      out.push_back(std::move(folder));
      continue;
    }
    for (auto& child : folder.children) same->children.push_back(std::move(child));
    same->children = merged(std::move(same->children));
  }
  return out;
}

}  // namespace

std::vector<RenderedFolder> render(const std::vector<TemplateNode>& nodes,
                                   const PlaceholderValues& values) {
  std::vector<const TemplateNode*> ordered;
  for (const auto& n : nodes) ordered.push_back(&n);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->order < b->order; });
  std::vector<RenderedFolder> out;
  for (const auto* n : ordered)
    out.push_back({render_name(n->name, values), render(n->children, values)});
  return merged(std::move(out));
}

Error no_such_template() {
  return Error(ErrorKind::not_found, "not_found", "no such drive template");
}

}  // namespace crmd::drive
