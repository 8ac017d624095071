#include <criterion/criterion.h>
Test(geohash, placeholder) { cr_assert(1); }
