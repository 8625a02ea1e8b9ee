#include <gtest/gtest.h>

#include "domain/contacts/titles.hpp"

namespace crmd::contacts {
namespace {

TEST(TitleNormalization, SpellingsOfOneTitleMeet) {
  EXPECT_EQ(normalize_title("VP Sales"), "vice president sales");
  EXPECT_EQ(normalize_title("Vice President of Sales"), "vice president sales");
  EXPECT_EQ(normalize_title("  vice-president, SALES "), "vice president sales");
  EXPECT_EQ(normalize_title("Sr. Software Eng."), "senior software engineering");
  EXPECT_EQ(normalize_title("CEO & Founder"), "chief executive officer founder");
  EXPECT_EQ(normalize_title("Head of the Marketing Dept"), "head marketing dept");
  EXPECT_EQ(normalize_title(""), "");
}

struct SeniorityCase {
  const char* title;
  const char* seniority;
};

class Seniority : public ::testing::TestWithParam<SeniorityCase> {};

TEST_P(Seniority, IsInferredFromTheTitle) {
  EXPECT_EQ(infer_seniority(GetParam().title), GetParam().seniority) << GetParam().title;
}

INSTANTIATE_TEST_SUITE_P(
    Titles, Seniority,
    ::testing::Values(SeniorityCase{"Owner", "owner"}, SeniorityCase{"Co-Founder & CTO", "founder"},
                      SeniorityCase{"CEO", "c_suite"}, SeniorityCase{"President", "c_suite"},
                      SeniorityCase{"Managing Partner", "partner"}, SeniorityCase{"VP Sales", "vp"},
                      SeniorityCase{"SVP Marketing", "vp"}, SeniorityCase{"Head of Growth", "head"},
                      SeniorityCase{"Director of Engineering", "director"},
                      SeniorityCase{"Account Manager", "manager"},
                      SeniorityCase{"Sr. Software Engineer", "senior"},
                      SeniorityCase{"Marketing Intern", "intern"},
                      SeniorityCase{"Sales Representative", "entry"}));

}  // namespace
}  // namespace crmd::contacts
