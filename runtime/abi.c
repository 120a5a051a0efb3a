/*
 * abi.c: the runtime's version (cnnrt.h's RT_ABI) as a symbol,
 * rt_abi_<RT_ABI>, which every generated program reads: an object
 * compiled from generated C against another version's cnnrt.h does not
 * link with this runtime (its #error stops the C itself).
 */
#include "cnnrt.h"

const volatile char RT_ABI_SYMBOL = RT_ABI;
