/*
 * audit.c: `cnnc audit GENERATED.c`, checks of generated code with libclang.
 *
 * The file is parsed in-process as C99 with -Wall -Wextra -pedantic and the
 * runtime's include directory. It passes only if
 *   - clang reports no warning or error;
 *   - nothing in the file calls a heap allocator (malloc, calloc, realloc,
 *     free, aligned_alloc, posix_memalign, strdup, alloca, ...);
 *   - no variable or parameter has a variable-length array type;
 *   - no function defined in the file can reach itself through direct
 *     calls (recursion would make stack use unbounded);
 *   - no integer constant is negative: every one the compiler writes is a
 *     size, count, offset or id, so a negative one is arithmetic gone
 *     wrong (one too big for its int parameter is already clang's
 *     -Wconstant-conversion warning).
 * Each finding prints FILE:LINE: error: ...; the exit status is 1 if any.
 */
#include "../cnnc.h"

#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FUNCS 4096 /* functions defined in one generated file */
#define MAX_CALLS 65536 /* direct call edges between them */

static const char *const allocators[] = {
	"malloc", "calloc", "realloc", "reallocarray", "free", "aligned_alloc", "posix_memalign", "memalign",
	"valloc", "pvalloc", "strdup", "strndup", "alloca", "__builtin_alloca", "sbrk", "mmap", NULL,
};

/* What the AST walk gathers. */
typedef struct {
	const char *path;             /* the file audited */
	int findings;                 /* problems found so far */
	char *func[MAX_FUNCS];        /* functions defined in the file (USR) */
	char *fname[MAX_FUNCS];       /* their spellings */
	int nfunc;                    /* how many */
	int from[MAX_CALLS], to[MAX_CALLS]; /* call edges, as func indices */
	char *callee_usr[MAX_CALLS];  /* edge target before resolution */
	int ncall;                    /* how many edges */
	int current;                  /* function whose body is being walked */
} Audit;

static void finding(Audit *au, CXCursor c, const char *what, const char *name)
{
	unsigned line = 0;
	clang_getSpellingLocation(clang_getCursorLocation(c), NULL, &line, NULL, NULL);
	fprintf(stderr, "%s:%u: error: %s%s%s\n", au->path, line, what, name ? " " : "", name ? name : "");
	au->findings++;
}

static char *dup_string(CXString s)
{
	const char *c = clang_getCString(s);
	char *d = strdup(c ? c : "");
	clang_disposeString(s);
	if (!d)
		BUG("out of memory");
	return d;
}

static bool in_main_file(CXCursor c)
{
	return clang_Location_isFromMainFile(clang_getCursorLocation(c)) != 0;
}

static bool is_vla(CXType t)
{
	t = clang_getCanonicalType(t);
	while (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray || t.kind == CXType_Pointer) {
		if (t.kind == CXType_Pointer)
			t = clang_getPointeeType(t);
		else
			t = clang_getArrayElementType(t);
		t = clang_getCanonicalType(t);
	}
	return t.kind == CXType_VariableArray || t.kind == CXType_DependentSizedArray;
}

static bool is_integer(enum CXTypeKind k)
{
	return k >= CXType_Bool && k <= CXType_Int128;
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	Audit *au = data;
	if (!in_main_file(c))
		return CXChildVisit_Continue;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c)) {
		if (au->nfunc == MAX_FUNCS)
			BUG("more than %d functions", MAX_FUNCS);
		int saved = au->current;
		au->current = au->nfunc;
		au->func[au->nfunc] = dup_string(clang_getCursorUSR(c));
		au->fname[au->nfunc++] = dup_string(clang_getCursorSpelling(c));
		clang_visitChildren(c, visit, au);
		au->current = saved;
		return CXChildVisit_Continue;
	}
	if ((k == CXCursor_VarDecl || k == CXCursor_ParmDecl) && is_vla(clang_getCursorType(c))) {
		char *name = dup_string(clang_getCursorSpelling(c));
		finding(au, c, "variable-length array:", name);
		free(name);
	}
	if (k == CXCursor_UnaryOperator && is_integer(clang_getCanonicalType(clang_getCursorType(c)).kind)) {
		CXEvalResult r = clang_Cursor_Evaluate(c); /* NULL unless a constant */
		if (r && clang_EvalResult_getKind(r) == CXEval_Int && clang_EvalResult_getAsLongLong(r) < 0) {
			char value[32];
			snprintf(value, sizeof value, "%lld", clang_EvalResult_getAsLongLong(r));
			finding(au, c, "negative integer constant (a size or count out of range):", value);
		}
		if (r)
			clang_EvalResult_dispose(r);
	}
	if (k == CXCursor_CallExpr) {
		CXCursor callee = clang_getCursorReferenced(c);
		if (!clang_Cursor_isNull(callee)) {
			char *name = dup_string(clang_getCursorSpelling(callee));
			for (const char *const *a = allocators; *a; a++)
				if (!strcmp(name, *a))
					finding(au, c, "calls the heap allocator", name);
			free(name);
			if (au->current >= 0 && clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
				if (au->ncall == MAX_CALLS)
					BUG("more than %d calls", MAX_CALLS);
				au->from[au->ncall] = au->current;
				au->callee_usr[au->ncall++] = dup_string(clang_getCursorUSR(callee));
			}
		}
	}
	return CXChildVisit_Recurse;
}

/* Marks in seen every function reachable from f through direct calls. */
static void reach(const Audit *au, int f, bool *seen)
{
	for (int e = 0; e < au->ncall; e++) {
		int g = au->to[e];
		if (au->from[e] == f && g >= 0 && !seen[g]) {
			seen[g] = true;
			reach(au, g, seen);
		}
	}
}

int audit_file(const char *path, const char *runtime_dir)
{
	Audit *au = calloc(1, sizeof *au);
	if (!au)
		BUG("out of memory");
	au->path = path;
	au->current = -1;
	char inc[4200];
	snprintf(inc, sizeof inc, "-I%s", runtime_dir);
	const char *args[] = {"-std=c99", "-Wall", "-Wextra", "-pedantic", inc};
	CXIndex index = clang_createIndex(0, 0);
	CXTranslationUnit tu = NULL;
	enum CXErrorCode err = clang_parseTranslationUnit2(index, path, args, (int)(sizeof args / sizeof *args), NULL,
	                                                    0, CXTranslationUnit_None, &tu);
	if (err != CXError_Success || !tu) {
		clang_disposeIndex(index);
		free(au);
		diag_error(path, 0, "libclang cannot parse the file (error %d)", (int)err);
	}
	unsigned nd = clang_getNumDiagnostics(tu);
	for (unsigned i = 0; i < nd; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Warning) {
			CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());
			fprintf(stderr, "%s\n", clang_getCString(s));
			clang_disposeString(s);
			au->findings++;
		}
		clang_disposeDiagnostic(d);
	}
	clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, au);

	for (int e = 0; e < au->ncall; e++) {
		au->to[e] = -1;
		for (int f = 0; f < au->nfunc; f++)
			if (!strcmp(au->callee_usr[e], au->func[f]))
				au->to[e] = f;
	}
	bool *seen = calloc((size_t)au->nfunc + 1, sizeof *seen);
	if (!seen)
		BUG("out of memory");
	for (int f = 0; f < au->nfunc; f++) {
		memset(seen, 0, ((size_t)au->nfunc + 1) * sizeof *seen);
		reach(au, f, seen);
		if (seen[f]) {
			fprintf(stderr, "%s: error: function %s is recursive (it can reach itself through calls)\n", path,
			        au->fname[f]);
			au->findings++;
		}
	}
	int findings = au->findings, nfunc = au->nfunc;
	free(seen);
	for (int f = 0; f < au->nfunc; f++)
		free(au->func[f]), free(au->fname[f]);
	for (int e = 0; e < au->ncall; e++)
		free(au->callee_usr[e]);
	free(au);
	clang_disposeTranslationUnit(tu);
	clang_disposeIndex(index);
	if (findings)
		return findings;
	printf("%s: audit ok: %d functions, no diagnostics, no heap allocation, no VLA, no recursion, no negative constant\n", path, nfunc);
	return 0;
}
