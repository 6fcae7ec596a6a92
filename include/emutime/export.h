/* emutime: what the library exports.
 *
 * The library is built with hidden visibility: only what the public headers
 * declare between ET_BEGIN_DECLS and ET_END_DECLS is exported from
 * libemutime.so, so internal functions can change without breaking the ABI.
 * Every public header brackets its declarations with these two macros (which
 * also give them C linkage in C++).
 */
#ifndef EMUTIME_EXPORT_H
#define EMUTIME_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define ET_VISIBILITY_PUSH_ _Pragma("GCC visibility push(default)")
#define ET_VISIBILITY_POP_ _Pragma("GCC visibility pop")
#else
#define ET_VISIBILITY_PUSH_
#define ET_VISIBILITY_POP_
#endif

#ifdef __cplusplus
#define ET_BEGIN_DECLS extern "C" { ET_VISIBILITY_PUSH_
#define ET_END_DECLS ET_VISIBILITY_POP_ }
#else
#define ET_BEGIN_DECLS ET_VISIBILITY_PUSH_
#define ET_END_DECLS ET_VISIBILITY_POP_
#endif

#endif
