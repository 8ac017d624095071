#include <criterion/criterion.h>
Test(geo, placeholder) { cr_assert(1); }
