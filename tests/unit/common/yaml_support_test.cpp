#include "baawatch/common/yaml_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::yaml {
namespace {

// Runs `action` and returns the ConfigError text it throws ("" when nothing was thrown), so each
// case can be checked down to the full message.
template <typename Action>
std::string errorOf(Action action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(YamlSupport, ChildPathsAndLocations) {
  Node root = loadString("flows:\n  timeouts:\n    udp: 2m\nlist: [a, b]\n", "t.yaml");
  Node udp = root.child("flows").child("timeouts").child("udp");
  EXPECT_EQ(udp.path(), "flows.timeouts.udp");
  EXPECT_EQ(udp.location().line, 3);
  EXPECT_EQ(udp.location().column, 10);
  Node second = root.child("list").at(1);
  EXPECT_EQ(second.path(), "list[1]");
  EXPECT_EQ(second.asString(), "b");
  EXPECT_EQ(root.child("list").size(), 2u);
  EXPECT_TRUE(root.has("flows"));
  EXPECT_FALSE(root.has("output"));
}

TEST(YamlSupport, DefaultsApplyOnlyWhenKeyMissing) {
  Node root = loadString("name: clinic\nenabled: true\n", "t.yaml");
  EXPECT_EQ(root.stringOr("name", "x"), "clinic");
  EXPECT_EQ(root.stringOr("missing", "x"), "x");
  EXPECT_TRUE(root.boolOr("enabled", false));
  EXPECT_FALSE(root.boolOr("missing", false));
}

struct DurationCase {
  std::string text;
  double seconds;
};

class DurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(DurationTest, Parses) {
  Node root = loadString("d: " + GetParam().text + "\n", "t.yaml");
  EXPECT_DOUBLE_EQ(root.child("d").asDurationSeconds(), GetParam().seconds);
}

INSTANTIATE_TEST_SUITE_P(Units, DurationTest,
                         ::testing::Values(DurationCase{"30s", 30}, DurationCase{"5m", 300},
                                           DurationCase{"1h", 3600}, DurationCase{"1d", 86400},
                                           DurationCase{"90", 90}, DurationCase{"0", 0},
                                           DurationCase{"1.5h", 5400}));

TEST(YamlSupport, ReadsTypedValues) {
  Node root = loadString("n: 42\nx: 0.25\nr: 10.1.2.3/8\n", "t.yaml");
  EXPECT_EQ(root.child("n").asInteger(0, 100), 42);
  EXPECT_DOUBLE_EQ(root.child("x").asNumber(0, 1), 0.25);
  EXPECT_EQ(root.child("r").asIpRange().toString(), "10.0.0.0/8");
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::function<void(const Node&)> action;
  std::string message;
};

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, NamesLocationFieldAndWhy) {
  const ErrorCase& c = GetParam();
  EXPECT_EQ(errorOf([&] { c.action(loadString(c.yaml, "t.yaml")); }), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ErrorTest,
    ::testing::Values(
        ErrorCase{"UnknownKey", "name: x\ncolour: red\n",
                  [](const Node& n) {
                    n.allowOnlyKeys({"name", "size"});
                  },
                  "t.yaml:2:1: colour: unknown key 'colour' (expected one of: name, size)"},
        ErrorCase{"UnknownNestedKey", "output:\n  jsn: x\n",
                  [](const Node& n) { n.child("output").allowOnlyKeys({"json"}); },
                  "t.yaml:2:3: output.jsn: unknown key 'jsn' (expected one of: json)"},
        ErrorCase{"DuplicateKey", "name: a\nname: b\n",
                  [](const Node& n) { n.allowOnlyKeys({"name"}); },
                  "t.yaml:2:1: name: duplicate key 'name'"},
        ErrorCase{"MissingField", "name: a\n", [](const Node& n) { n.child("size"); },
                  "t.yaml:1:1: missing required field 'size'"},
        ErrorCase{"NotAMap", "- a\n", [](const Node& n) { n.requireMap(); },
                  "t.yaml:1:1: expected a map, found a list"},
        ErrorCase{"NotAList", "l: a\n", [](const Node& n) { n.child("l").requireSequence(); },
                  "t.yaml:1:4: l: expected a list, found a scalar"},
        ErrorCase{"StringFromMap", "s: {a: 1}\n", [](const Node& n) { n.child("s").asString(); },
                  "t.yaml:1:4: s: expected a text value, found a map"},
        ErrorCase{"NotABool", "b: yes\n", [](const Node& n) { n.child("b").asBool(); },
                  "t.yaml:1:4: b: 'yes' is not true or false"},
        ErrorCase{"NotAnInteger", "n: 12a\n", [](const Node& n) { n.child("n").asInteger(0, 100); },
                  "t.yaml:1:4: n: '12a' is not a whole number"},
        ErrorCase{"IntegerOutOfRange", "n: 70000\n",
                  [](const Node& n) { n.child("n").asInteger(1, 65535); },
                  "t.yaml:1:4: n: 70000 is outside 1-65535"},
        ErrorCase{"NotANumber", "x: 0x10\n", [](const Node& n) { n.child("x").asNumber(0, 1e9); },
                  "t.yaml:1:4: x: '0x10' is not a number"},
        ErrorCase{"BadCidr", "networks: [10.0.0.0/8, 10.0.0.0/33]\n",
                  [](const Node& n) { n.child("networks").at(1).asIpRange(); },
                  "t.yaml:1:24: networks[1]: '10.0.0.0/33' is not a CIDR range"},
        ErrorCase{"BadDuration", "d: 5x\n", [](const Node& n) { n.child("d").asDurationSeconds(); },
                  "t.yaml:1:4: d: '5x' is not a duration (use e.g. 30s, 5m, 1h, 1d or seconds)"},
        ErrorCase{"NegativeDuration", "d: -5m\n",
                  [](const Node& n) { n.child("d").asDurationSeconds(); },
                  "t.yaml:1:4: d: '-5m' is not a duration (use e.g. 30s, 5m, 1h, 1d or seconds)"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(YamlSupport, SyntaxErrorHasLocation) {
  std::string message = errorOf([] { loadString("a: [1, 2\nb: c\n", "t.yaml"); });
  EXPECT_TRUE(message.starts_with("t.yaml:")) << message;
  EXPECT_NE(message.find("end of sequence"), std::string::npos) << message;
}

TEST(YamlSupport, UnreadableFileNamesThePath) {
  baawatch::testing::TempFolder folder;
  std::string missing = folder.path("nothing.yaml");
  EXPECT_EQ(errorOf([&] { loadFile(missing); }), missing + ": cannot read the file");
}

TEST(YamlSupport, LoadFileKeepsTheFileName) {
  baawatch::testing::TempFolder folder;
  std::string file = folder.write("a.yaml", "x: 1\ny: [\n");
  std::string message = errorOf([&] { loadFile(file); });
  EXPECT_TRUE(message.starts_with(file + ":")) << message;
}

}  // namespace
}  // namespace baawatch::yaml
