#pragma once
// stub
