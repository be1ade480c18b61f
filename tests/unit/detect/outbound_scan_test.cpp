// Tests of the outbound_scan detector(s): placeholder until written.
#include <gtest/gtest.h>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {}  // placeholder
}  // namespace sekisho::detect::dtest
