#include "radio_harness.h"
int main(void) { return DONE(); }
