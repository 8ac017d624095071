#include <criterion/criterion.h>
Test(ident, placeholder) { cr_assert(1); }
