/* Check tests for natter's pure modules. */
#include <check.h>

#include "natter.h"

struct options opt;

void
net_sendf(const char *fmt, ...)
{
}

void
handle_join_select(const char *chan)
{
}

START_TEST(test_placeholder)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, test_placeholder);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
