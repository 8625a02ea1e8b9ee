// Folder templates: the tree of subfolders an entity's drive root gets when
// it is created. Node names may hold placeholders, rendered then:
//   {{year}} {{month}} {{entity_name}} {{entity_type}} {{entity_id}}
// A template is read and written whole, so its nodes are one JSON tree.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/error.hpp"
#include "domain/common/json_schema.hpp"
#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"
#include "domain/drive/entity.hpp"

namespace crmd::drive {

struct TemplateNode {
  std::string name;  // with placeholders
  std::int32_t order = 0;
  std::vector<TemplateNode> children;
};

struct Template {
  Uuid id;
  std::string name;
  EntityType entity_type = EntityType::company;
  bool active = true;
  std::vector<TemplateNode> nodes;
  Timestamp created_at, updated_at;
};
boost::json::object to_json(const Template& t, const boost::json::storage_ptr& sp = {});
schema::Schema json_schema(std::type_identity<Template>);
schema::Schema template_input_schema(bool creating);

inline constexpr std::size_t kMaxTemplateNodes = 200;
inline constexpr std::size_t kMaxTemplateDepth = 8;

struct TemplateChanges {
  std::optional<std::string> name;
  std::optional<EntityType> entity_type;
  std::optional<bool> active;
  std::optional<std::vector<TemplateNode>> nodes;
};
// A create (name, entity_type and nodes required) or PATCH body; an unknown
// placeholder, a bad name or too many nodes is Error{validation} naming the
// node ("nodes[0].children[1].name").
TemplateChanges parse_template(const boost::json::value& body, bool creating);

// The nodes as stored (written by parse_template, so trusted).
boost::json::array nodes_to_json(const std::vector<TemplateNode>& nodes,
                                 const boost::json::storage_ptr& sp = {});
std::vector<TemplateNode> nodes_from_json(const boost::json::value& json);

// Why a node name cannot be rendered (an unknown or unclosed placeholder),
// or nullopt.
std::optional<std::string> placeholder_problem(std::string_view name);

struct PlaceholderValues {
  int year = 1970, month = 1;
  std::string entity_name, entity_type, entity_id;
};
PlaceholderValues placeholder_values(EntityType type, const Uuid& id, std::string entity_name,
                                     Timestamp now);

// The name with its placeholders replaced, made a valid folder name.
std::string render_name(std::string_view name, const PlaceholderValues& values);

struct RenderedFolder {
  std::string name;
  std::vector<RenderedFolder> children;
};
// The tree to create, each level in `order` (then as written).
std::vector<RenderedFolder> render(const std::vector<TemplateNode>& nodes,
                                   const PlaceholderValues& values);

Error no_such_template();

}  // namespace crmd::drive
