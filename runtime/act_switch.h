/*
 * act_switch.h: a switch statement over an activation, one case per row
 * of acts.def, that runs a kernel's loops with the activation a constant.
 * Include it where a statement goes, after defining:
 *
 *   ACT_SWITCH_ON       the activation, an rt_act_id
 *   ACT_SWITCH_VEC(a)   statement run for RT_ACT_NONE and every VEC row,
 *                       with a their id as a constant: the kernel's own
 *                       copy of its loops for that activation
 *   and one of
 *   ACT_SWITCH_LANES    statement run for every LANES row (one copy for
 *                       them all), e.g. with the activation looked up
 *                       per store; or
 *   ACT_SWITCH_AFTER    statement run after ACT_SWITCH_VEC(RT_ACT_NONE)
 *                       for every LANES row: the activation applied in a
 *                       pass over the stored output (RT_ACT_NONE and the
 *                       LANES rows then share one copy of the loops)
 *
 * It undefines them at the end. No default case: every activation has
 * its case, and -Werror=switch would name a missing one.
 */
#if defined(ACT_SWITCH_LANES) == defined(ACT_SWITCH_AFTER)
#error "act_switch.h: define one of ACT_SWITCH_LANES and ACT_SWITCH_AFTER"
#endif

/* Their arguments for a VEC row, nothing for a LANES row, and back. */
#define ACT_SWITCH_IF_VEC_VEC(...) __VA_ARGS__
#define ACT_SWITCH_IF_VEC_LANES(...)
#define ACT_SWITCH_IF_LANES_VEC(...)
#define ACT_SWITCH_IF_LANES_LANES(...) __VA_ARGS__

switch ((rt_act_id)(ACT_SWITCH_ON)) {
#define ACT(ID, name, kind) ACT_SWITCH_IF_VEC_##kind(case RT_ACT_##ID : ACT_SWITCH_VEC(RT_ACT_##ID); break;)
#include "acts.def"
#if defined(ACT_SWITCH_LANES)
case RT_ACT_NONE:
	ACT_SWITCH_VEC(RT_ACT_NONE);
	break;
#define ACT(ID, name, kind) ACT_SWITCH_IF_LANES_##kind(case RT_ACT_##ID:)
#include "acts.def"
	ACT_SWITCH_LANES;
	break;
#else
#define ACT(ID, name, kind) ACT_SWITCH_IF_LANES_##kind(case RT_ACT_##ID:)
#include "acts.def"
case RT_ACT_NONE:
	ACT_SWITCH_VEC(RT_ACT_NONE);
	if ((ACT_SWITCH_ON) != RT_ACT_NONE)
		ACT_SWITCH_AFTER;
	break;
#endif
}

#undef ACT_SWITCH_IF_VEC_VEC
#undef ACT_SWITCH_IF_VEC_LANES
#undef ACT_SWITCH_IF_LANES_VEC
#undef ACT_SWITCH_IF_LANES_LANES
#undef ACT_SWITCH_ON
#undef ACT_SWITCH_VEC
#undef ACT_SWITCH_LANES
#undef ACT_SWITCH_AFTER
