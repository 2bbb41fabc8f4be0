/*
 * libmail - whole-message tree over the streaming parser: every entity
 * becomes a node with copies of its header fields and its decoded
 * content, allocated through the caller's lm_allocator.
 */
#include <string.h>

#include "libmail/mime.h"
#include "internal.h"

typedef struct {
	lm_mime_tree *t;
	lm_mime_node *cur;
	int err;
} builder;

static char *
dup_slice(const lm_allocator *a, const unsigned char *p, size_t n)
{
	char *s = lm_alloc(a, n + 1);

	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
node_free(const lm_allocator *a, lm_mime_node *n)
{
	size_t i;

	for (i = 0; i < n->nheaders; i++) {
		lm_mime_header *h = &n->headers[i];
		if (h->name != NULL)
			lm_free(a, h->name, strlen(h->name) + 1);
		if (h->raw != NULL)
			lm_free(a, h->raw, h->raw_len + 1);
		if (h->value != NULL)
			lm_free(a, h->value, h->value_len + 1);
	}
	if (n->headers != NULL)
		lm_free(a, n->headers, n->hcap * sizeof *n->headers);
	if (n->content != NULL)
		lm_free(a, n->content, n->ccap);
	if (n->boundary_copy != NULL)
		lm_free(a, n->boundary_copy, strlen(n->boundary_copy) + 1);
	lm_free(a, n, sizeof *n);
}

/* see mime.h */
void
lm_mime_tree_free(lm_mime_tree *t)
{
	lm_mime_node *n;

	if (t == NULL || t->root == NULL)
		return;
	/* post-order without recursion: descend to a leaf, free it, go on
	 * with its sibling or parent */
	n = t->root;
	while (n != NULL) {
		lm_mime_node *up;
		if (n->first_child != NULL) {
			n = n->first_child;
			continue;
		}
		up = n->parent;
		if (up != NULL)
			up->first_child = n->next;
		node_free(&t->alloc, n);
		n = up;
	}
	t->root = NULL;
}

static int
on_begin(builder *b, const lm_mime_event *ev)
{
	lm_mime_node *n = lm_alloc_zero(&b->t->alloc, 1, sizeof *n);

	if (n == NULL)
		return LM_ERR_NOMEM;
	n->parent = b->cur;
	n->depth = ev->depth;
	memcpy(n->path, ev->path, ev->path_len + 1);
	n->info = *ev->part;
	n->info.boundary = "";
	if (b->cur == NULL)
		b->t->root = n;
	else {
		if (b->cur->last_child == NULL)
			b->cur->first_child = n;
		else
			b->cur->last_child->next = n;
		b->cur->last_child = n;
	}
	b->cur = n;
	return 0;
}

static int
on_header(builder *b, const lm_mime_event *ev)
{
	lm_mime_node *n = b->cur;
	const lm_allocator *a = &b->t->alloc;
	lm_mime_header *h;

	if (n->nheaders == n->hcap) {
		size_t nc = n->hcap ? 2 * n->hcap : 8;
		lm_mime_header *nh = lm_alloc_zero(a, nc, sizeof *nh);
		if (nh == NULL)
			return LM_ERR_NOMEM;
		if (n->headers != NULL) {
			memcpy(nh, n->headers, n->nheaders * sizeof *nh);
			lm_free(a, n->headers, n->hcap * sizeof *nh);
		}
		n->headers = nh;
		n->hcap = nc;
	}
	h = &n->headers[n->nheaders++];
	memset(h, 0, sizeof *h);
	h->name = dup_slice(a, ev->name.p, ev->name.len);
	h->raw = dup_slice(a, ev->raw.p, ev->raw.len);
	h->raw_len = ev->raw.len;
	h->value = dup_slice(a, ev->value.p, ev->value.len);
	h->value_len = ev->value.len;
	if (h->name == NULL || h->raw == NULL || h->value == NULL)
		return LM_ERR_NOMEM;
	/* a NUL inside the name would make strlen() lie when freeing */
	if (memchr(ev->name.p, '\0', ev->name.len) != NULL)
		memset(h->name, 'X', ev->name.len);
	return 0;
}

static int
on_body(builder *b, const lm_mime_event *ev)
{
	lm_mime_node *n = b->cur;
	const lm_allocator *a = &b->t->alloc;

	if (ev->body != LM_MIME_BODY_CONTENT || ev->data.len == 0)
		return 0;
	if (n->content_len + ev->data.len + 1 > n->ccap) {
		size_t nc = n->ccap ? n->ccap : 256;
		unsigned char *c;
		while (nc < n->content_len + ev->data.len + 1) {
			if (nc > ((size_t)-1) / 2)
				return LM_ERR_NOMEM;
			nc *= 2;
		}
		c = lm_alloc(a, nc);
		if (c == NULL)
			return LM_ERR_NOMEM;
		if (n->content != NULL) {
			memcpy(c, n->content, n->content_len);
			lm_free(a, n->content, n->ccap);
		}
		n->content = c;
		n->ccap = nc;
	}
	memcpy(n->content + n->content_len, ev->data.p, ev->data.len);
	n->content_len += ev->data.len;
	n->content[n->content_len] = '\0';
	return 0;
}

static int
on_event(builder *b, const lm_mime_event *ev)
{
	lm_mime_node *n = b->cur;

	switch (ev->type) {
	case LM_MIME_EV_PART_BEGIN:
		return on_begin(b, ev);
	case LM_MIME_EV_HEADER:
		return on_header(b, ev);
	case LM_MIME_EV_HEADERS_END:
		memcpy(n->path, ev->path, ev->path_len + 1);
		n->info = *ev->part;
		n->info.boundary = "";
		if (ev->part->boundary[0] != '\0') {
			n->boundary_copy = dup_slice(&b->t->alloc,
			                             (const unsigned char *)ev->part->boundary,
			                             strlen(ev->part->boundary));
			if (n->boundary_copy == NULL)
				return LM_ERR_NOMEM;
			n->info.boundary = n->boundary_copy;
		}
		return 0;
	case LM_MIME_EV_BODY:
		return on_body(b, ev);
	case LM_MIME_EV_PART_END:
		n->defects = ev->defects;
		n->ndefects = ev->ndefects;
		b->t->defects |= ev->defects;
		b->cur = n->parent;
		return 0;
	default:
		return 0;
	}
}

/* see mime.h */
int
lm_mime_tree_parse(const lm_allocator *a, const void *data, size_t len,
                   lm_mime_tree *tree)
{
	const unsigned char *d = data;
	lm_mime_parser p;
	lm_mime_event ev;
	builder b;
	unsigned char *scratch;
	size_t ssize = LM_MIME_PARSER_SCRATCH_DEFAULT, off = 0, used;
	int r = 0;

	if (tree == NULL || (data == NULL && len > 0))
		return LM_ERR_BAD_PARAM;
	memset(tree, 0, sizeof *tree);
	if (a != NULL)
		tree->alloc = *a;
	scratch = lm_alloc(&tree->alloc, ssize);
	if (scratch == NULL)
		return LM_ERR_NOMEM;
	r = lm_mime_parser_init(&p, NULL, scratch, ssize);
	b.t = tree;
	b.cur = NULL;
	b.err = 0;
	while (r == 0) {
		if (off < len) {
			r = lm_mime_parser_feed(&p, d + off, len - off, &used);
			off += used;
			if (off == len && r == 0)
				r = lm_mime_parser_end(&p);
		} else if (off == 0 && len == 0) {
			r = lm_mime_parser_end(&p);
			off = 1;   /* ended */
			len = 0;
		}
		if (r != 0)
			break;
		while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT) {
			r = on_event(&b, &ev);
			if (r != 0)
				break;
		}
		if (r == LM_DONE) {
			r = 0;
			break;
		}
		if (r == LM_WANT_READ)
			r = 0;
	}
	lm_mime_parser_free(&p);
	lm_free(&tree->alloc, scratch, ssize);
	if (r != 0) {
		lm_mime_tree_free(tree);
		return r;
	}
	return 0;
}

/* see mime.h */
const lm_mime_header *
lm_mime_node_header(const lm_mime_node *n, const char *name)
{
	size_t i, k, l;

	if (n == NULL || name == NULL)
		return NULL;
	l = strlen(name);
	for (i = 0; i < n->nheaders; i++) {
		const char *h = n->headers[i].name;
		if (strlen(h) != l)
			continue;
		for (k = 0; k < l; k++) {
			unsigned char x = (unsigned char)h[k], y = (unsigned char)name[k];
			if (x >= 'A' && x <= 'Z')
				x = (unsigned char)(x + 32);
			if (y >= 'A' && y <= 'Z')
				y = (unsigned char)(y + 32);
			if (x != y)
				break;
		}
		if (k == l)
			return &n->headers[i];
	}
	return NULL;
}

/* see mime.h */
const lm_mime_node *
lm_mime_node_next(const lm_mime_node *n)
{
	if (n == NULL)
		return NULL;
	if (n->first_child != NULL)
		return n->first_child;
	while (n != NULL) {
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
	return NULL;
}
