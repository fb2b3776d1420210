#include "containerd/core/metadata/filters.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "common/strings.h"
#include "tests/testutil/status_testing.h"

namespace berth::containerd::metadata {
namespace {

struct Entry {
  std::string name;
  std::string other;
  std::map<std::string, std::string> labels;
};

// containerd pkg/filters/filter_test.go's adaptor.
class EntryAdaptor : public FilterAdaptor {
 public:
  explicit EntryAdaptor(const Entry& e) : e_(e) {}
  std::optional<std::string> Field(const std::vector<std::string>& path) const override {
    if (path[0] == "name") return e_.name.empty() ? std::nullopt : std::optional(e_.name);
    if (path[0] == "other") return e_.other.empty() ? std::nullopt : std::optional(e_.other);
    if (path[0] == "labels") {
      std::string key;
      for (size_t i = 1; i < path.size(); ++i) key += (i > 1 ? "." : "") + path[i];
      auto it = e_.labels.find(key);
      if (it == e_.labels.end()) return std::nullopt;
      return it->second;
    }
    return std::nullopt;
  }

 private:
  const Entry& e_;
};

// containerd's corpus, entry for entry.
const std::vector<Entry>& Corpus() {
  static const std::vector<Entry> corpus = {
      {"foo", "", {{"foo", "true"}}},
      {"bar", "", {}},
      {"foo", "", {{"foo", "present"}, {"more complex label", "present"}}},
      {"bar", "", {{"bar", "true"}}},
      {"fooer", "", {{"more complex label with \\ and \"", "present"}}},
      {"fooer", "", {{"more complex label with \\ and \".post", "present"}}},
      {"baz", "too complex, yo", {}},
      {"bazo", "abc", {}},
      {"compound", "", {{"foo", "omg_asdf.asdf-qwer"}}},
  };
  return corpus;
}

std::vector<int> Matching(const Filter& f) {
  std::vector<int> out;
  for (size_t i = 0; i < Corpus().size(); ++i) {
    if (f.Match(EntryAdaptor(Corpus()[i]))) out.push_back(static_cast<int>(i));
  }
  return out;
}

struct Case {
  std::string name;
  std::string input;
  std::vector<int> expected;
  std::string error;  // when set, the exact error text
};

TEST_CASE("metadata filters: containerd's parser table", "[metadata][filters]") {
  const std::vector<int> all = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<Case> cases = {
      {"Empty", "", all, ""},
      {"Present", "name", all, ""},
      {"LabelPresent", "labels.foo", {0, 2, 8}, ""},
      {"NameAndLabelPresent", "labels.foo,name", {0, 2, 8}, ""},
      {"LabelValue", "labels.foo==true", {0}, ""},
      {"LabelValuePunctuated", "labels.foo==omg_asdf.asdf-qwer", {8}, ""},
      {"LabelValueNoAltQuoting",
       "labels.|foo|==omg_asdf.asdf-qwer",
       {},
       "filters: parse error: [labels. >|||< foo|==omg_asdf.asdf-qwer]: invalid quote "
       "encountered"},
      {"Name", "name==bar", {1, 3}, ""},
      {"NameNotEqual", "name!=bar", {0, 2, 4, 5, 6, 7, 8}, ""},
      {"NameAndLabelPresent2", "name==bar,labels.bar", {3}, ""},
      {"QuotedValue", "other==\"too complex, yo\"", {6}, ""},
      {"RegexpValue", "other~=[abc]+,name!=foo", {6, 7}, ""},
      {"RegexpQuotedValue", "other~=/[abc]+/,name!=foo", {6, 7}, ""},
      {"RegexpQuotedValue2", "other~=/[abc]{1,2}/,name!=foo", {6, 7}, ""},
      {"RegexpQuotedValueGarbage", "other~=/[abc]{0,1}\"\\//,name!=foo", {}, ""},
      {"NameAndLabelValue", "name==bar,labels.bar==true", {3}, ""},
      {"NameAndLabelValueNoMatch", "name==bar,labels.bar==wrong", {}, ""},
      {"LabelQuotedFieldPathPresent", R"(name==foo,labels."more complex label")", {2}, ""},
      {"LabelQuotedFieldPathPresentWithQuoted",
       R"x(labels."more complex label with \\ and \""==present)x",
       {4},
       ""},
      {"LabelQuotedFieldPathPresentWithQuotedEmbed",
       R"x(labels."more complex label with \\ and \"".post==present)x",
       {5},
       ""},
      {"LabelQuotedFieldPathPresentWithQuotedEmbedInvalid",
       R"x(labels.?"more complex label with \\ and \"".post==present)x",
       {},
       R"x(filters: parse error: [labels. >|?|< "more complex label with \\ and \"".post==present]: expected field or quoted)x"},
      {"TrailingComma",
       "name==foo,",
       {},
       "filters: parse error: [name==foo,]: expected field or quoted"},
      {"TrailingFieldSeparator",
       "labels.",
       {},
       "filters: parse error: [labels.]: expected field or quoted"},
      {"MissingValue",
       "image~=,id?=?fbaq",
       {},
       "filters: parse error: [image~= >|,|< id?=?fbaq]: expected value or quoted"},
      {"FieldQuotedLiteralNotTerminated",
       "labels.ns/key==value",
       {},
       "filters: parse error: [labels.ns >|/|< key==value]: quoted literal not terminated"},
      {"ValueQuotedLiteralNotTerminated",
       "labels.key==/value",
       {},
       "filters: parse error: [labels.key== >|/|< value]: quoted literal not terminated"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      absl::StatusOr<Filter> f = Filter::Parse(c.input);
      INFO("input: " << c.input);
      if (!c.error.empty()) {
        REQUIRE_FALSE(f.ok());
        CHECK(f.status().code() == absl::StatusCode::kInvalidArgument);
        CHECK(std::string(ToStd(f.status().message())) == c.error);
      } else {
        REQUIRE_OK(f.status());
        CHECK(Matching(*f) == c.expected);
      }
    }
  }
}

TEST_CASE("metadata filters: more parse errors name the position", "[metadata][filters]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"name===x", R"(filters: parse error: [name >|=|< ==x]: unsupported operator "===")"},
      {"name foo",
       R"(filters: parse error: [name  >|f|< oo]: expected an operator ("=="|"!="|"~="))"},
      {"name==\"x\"y", "filters: parse error: [name==\"x\" >|y|< ]: unexpected input: y"},
      {R"(name=="a\qb")", R"(filters: parse error: [name== >|"|< a\qb"]: illegal escape sequence)"},
      {R"(name=="a\x4")",
       R"(filters: parse error: [name== >|"|< a\x4"]: illegal numeric escape sequence)"},
      {"name==\"abc", "filters: parse error: [name== >|\"|< abc]: quoted literal not terminated"},
      {"name==/abc/", "filters: parse error: [name== >|/|< abc/]: invalid quote encountered"},
      {",name", "filters: parse error: [ >|,|< name]: expected field or quoted"},
      {"name==a,,b", "filters: parse error: [name==a, >|,|< b]: expected field or quoted"},
      {"labels.\xff", "filters: parse error: [labels. >|\xff|< ]: rune error"},
  };
  for (const auto& [input, error] : cases) {
    INFO("input: " << input);
    absl::StatusOr<Filter> f = Filter::Parse(input);
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(ToStd(f.status().message())) == error);
  }

  // A NUL byte ends the value and is then unexpected input.
  absl::StatusOr<Filter> nul = Filter::Parse(std::string("name==a\0b", 9));
  REQUIRE_FALSE(nul.ok());
  CHECK_THAT(std::string(ToStd(nul.status().message())), Catch::Contains("unexpected input"));

  // Unlike containerd, a regular expression that does not compile is an
  // error at parse time, at the value's position.
  absl::StatusOr<Filter> bad_regex = Filter::Parse("name~=a[");
  REQUIRE_FALSE(bad_regex.ok());
  CHECK(bad_regex.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(ToStd(bad_regex.status().message())),
             Catch::StartsWith("filters: parse error: [name~= >|a|< []: invalid regular "
                               "expression \"a[\""));
}

TEST_CASE("metadata filters: quoted fields and values unescape like Go", "[metadata][filters]") {
  Entry e{"x", "", {{"aAéA\n", "v"}, {"a.b", "with space, comma"}, {"", "empty key"}}};
  auto matches = [&](const std::string& text) {
    Filter f = testing::ValueOrFail(Filter::Parse(text));
    return f.Match(EntryAdaptor(e));
  };
  CHECK(matches(R"(labels."a\x41\u00e9\101\n"==v)"));
  CHECK(matches(R"(labels."a.b"=="with space, comma")"));
  CHECK(matches(R"(labels.a.b=="with space, comma")"));  // fields are joined with '.'
  CHECK(matches(R"(labels.""=="empty key")"));
  CHECK(matches(R"(labels."a.b"~=|^with sp|)"));  // |...| quotes a regex
  CHECK(matches(R"(labels."a.b"~="comma$")"));
  CHECK_FALSE(matches(R"(labels."a.b"~=/^comma/)"));
  CHECK(matches(" name ==x"));  // spaces before fields and operators are skipped
  CHECK(matches("name==x, labels.a.b"));
}

TEST_CASE("metadata filters: operators on absent fields follow containerd", "[metadata][filters]") {
  Entry e{"x", "", {}};
  auto matches = [&](const std::string& text) {
    return testing::ValueOrFail(Filter::Parse(text)).Match(EntryAdaptor(e));
  };
  CHECK_FALSE(matches("other"));
  CHECK_FALSE(matches("other==abc"));
  CHECK(matches("other!=abc"));  // an absent field reads as ""
  CHECK_FALSE(matches("other!=\"\""));
  CHECK(matches("other~=^$"));
  CHECK(matches("name~=x"));  // unanchored search
  CHECK(matches("name~=^x$"));
  CHECK_FALSE(matches("name~=^y"));
  CHECK_FALSE(matches("unknown"));
}

TEST_CASE("metadata filters: regexes handle label-sized values", "[metadata][filters]") {
  // Labels go up to 4096 bytes (std::regex's recursive matcher overflowed
  // the stack here under ASan); nested repetition must not blow up either.
  Entry e{"x", std::string(4096, 'v'), {}};
  auto matches = [&](const std::string& text) {
    return testing::ValueOrFail(Filter::Parse(text)).Match(EntryAdaptor(e));
  };
  CHECK(matches("other~=^v+$"));
  CHECK(matches("other~=^.*$"));
  CHECK(matches("other~=(v|w)*"));
  CHECK_FALSE(matches("other~=^v*w$"));
  CHECK_FALSE(matches("other~=(v*)*w"));
  CHECK_FALSE(matches("other~=((v?){10}){10}w"));
  // RE2 bounds the expansion of nested counted repetition, as Go does.
  absl::StatusOr<Filter> huge = Filter::Parse("other~=((v?){50}){50}w");
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(std::string(ToStd(huge.status().message())),
             Catch::EndsWith("invalid repetition size: {50}"));
}

TEST_CASE("metadata filters: regexes use Go's (RE2) syntax", "[metadata][filters]") {
  Entry e{"docker.io/library/BusyBox", "", {}};
  auto matches = [&](const std::string& text) {
    return testing::ValueOrFail(Filter::Parse(text)).Match(EntryAdaptor(e));
  };
  CHECK(matches("name~=(?i)busybox"));
  CHECK_FALSE(matches("name~=busybox"));
  CHECK(matches(R"(name~=/\\Adocker\\.io\/\\w+/)"));
  CHECK(matches(R"(name~=^docker\.io/)"));  // filters.h's examples
  CHECK(matches(R"(name~=/^docker\\.io\//)"));
  CHECK_FALSE(matches(R"(name~=^docker\.iox)"));
  CHECK(matches(R"(name~="[[:upper:]]usy\\pL")"));

  // Back-references are not RE2: refused when parsed.
  absl::StatusOr<Filter> backref = Filter::Parse(R"(name~="(a)\\1")");
  REQUIRE_FALSE(backref.ok());
  CHECK(backref.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(ToStd(backref.status().message())),
             Catch::Contains("invalid regular expression"));
}

TEST_CASE("metadata filters: several filters are ORed, selectors ANDed", "[metadata][filters]") {
  auto parse_all = [](std::vector<std::string> texts) {
    return testing::ValueOrFail(Filter::ParseAll(texts));
  };
  CHECK(Matching(parse_all({})) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(Matching(parse_all({""})) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(Matching(parse_all({"name==bar", "name==baz"})) == std::vector<int>{1, 3, 6});
  CHECK(Matching(parse_all({"name==bar,labels.bar", "other==abc"})) == std::vector<int>{3, 7});
  CHECK(Matching(Filter::Always()) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8});

  absl::StatusOr<Filter> bad = Filter::ParseAll({"name==bar", "name==,"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(ToStd(bad.status().message())), Catch::Contains("[name== >|,|< ]"));
}

TEST_CASE("metadata filters: the parsed form is inspectable", "[metadata][filters]") {
  Filter f = testing::ValueOrFail(Filter::Parse(R"(labels."a.b"==c,id,image~=x)"));
  REQUIRE(f.alternatives().size() == 1);
  const auto& s = f.alternatives()[0];
  REQUIRE(s.size() == 3);
  CHECK(s[0].fieldpath == std::vector<std::string>{"labels", "a.b"});
  CHECK(s[0].op == Filter::Operator::kEqual);
  CHECK(s[0].value == "c");
  CHECK(s[1].fieldpath == std::vector<std::string>{"id"});
  CHECK(s[1].op == Filter::Operator::kPresent);
  CHECK(s[2].op == Filter::Operator::kMatches);
  CHECK(s[2].regex != nullptr);
}

TEST_CASE("metadata filters: MapField joins the rest of the path", "[metadata][filters]") {
  std::map<std::string, std::string> labels = {{"a.b", "1"}, {"c", "2"}};
  std::vector<std::string> ab = {"a", "b"};
  std::vector<std::string> c = {"c"};
  std::vector<std::string> missing = {"d"};
  CHECK(MapField(ab, labels) == "1");
  CHECK(MapField(c, labels) == "2");
  CHECK(MapField(missing, labels) == std::nullopt);
  CHECK(MapField(c, {}) == std::nullopt);
}

}  // namespace
}  // namespace berth::containerd::metadata
