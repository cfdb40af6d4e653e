/*
 * The screen: the only file that includes curses. History pane with the
 * nick list at its right, a status line, the input line. ui_draw redraws
 * what the model marked dirty into curses windows and updates the
 * terminal once (wnoutrefresh each window, one doupdate).
 */

#include <sys/ioctl.h>

#include <curses.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wctype.h>

#include "natter.h"

bool ui_color = true;

static WINDOW *wtopic, *whist, *wnick, *wstatus, *winput;
static int topic_rows, hist_rows, hist_cols, nick_cols;
static bool colors;
static enum color_mode color_depth;	/* color.c: 8 or 256 */
static short pairs[17][17];	/* (fg + 1, bg + 1) -> pair, 0 = none yet */
static short next_pair = 1;
static struct keys keyin;	/* keys.c: sequences and pastes under way */

#define UI_MIN_ROWS 3	/* history, status and input: one row each */
#define UI_MIN_COLS 10
static bool tiny;	/* smaller than that: only a note */
static bool started;	/* between ui_init and ui_end */

#define NICKS_MIN 8
#define NICKS_MAX 20
#define SCROLL_WHEEL 3	/* rows per mouse wheel step */

/* mIRC colours 0..15 as curses colours: the first 8 are the dim ones;
 * +8 is the bright half when the terminal has 16 colours. */
static const short mirc_curses[16] = {
	COLOR_WHITE + 8, COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_RED + 8,
	COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_YELLOW + 8,
	COLOR_GREEN + 8, COLOR_CYAN, COLOR_CYAN + 8, COLOR_BLUE + 8,
	COLOR_MAGENTA + 8, COLOR_BLACK + 8, COLOR_WHITE,
};

static short
curses_color(int mirc)
{
	short c;

	if (mirc < 0 || mirc > 15)
		return -1;
	if (color_depth == COLOR_256)
		return (short)color_256(mirc, opt.background);
	c = mirc_curses[mirc];
	if (c >= 8 && COLORS < 16)
		c -= 8;
	return c;
}

static short
color_pair(int fg, int bg)
{
	short cf, cb;

	if (!colors || (fg < 0 && bg < 0))
		return 0;
	if (fg > 15)
		fg = -1;
	if (bg > 15)
		bg = -1;
	if (pairs[fg + 1][bg + 1] != 0)
		return pairs[fg + 1][bg + 1];
	if (next_pair >= COLOR_PAIRS)
		return 0;
	cf = curses_color(fg);
	cb = curses_color(bg);
	if (init_pair(next_pair, cf, cb) == ERR)
		return 0;
	return pairs[fg + 1][bg + 1] = next_pair++;
}

static attr_t
style_attr(struct style st)
{
	attr_t a = A_NORMAL;

	if (st.attr & MIRC_BOLD)
		a |= A_BOLD;
	if (st.attr & MIRC_ITALIC)
		a |= A_ITALIC;
	if (st.attr & MIRC_UNDERLINE)
		a |= A_UNDERLINE;
	if (st.attr & MIRC_REVERSE)
		a |= A_REVERSE;
	if (st.attr & MIRC_DIM)
		a |= A_DIM;
	return a;
}

/* Draw w[i] with the combining marks after it at (y, x); returns the
 * index after them. Nothing is drawn past maxx. */
static size_t
draw_char(WINDOW *win, int y, int *x, int maxx, const wchar_t *w,
    const struct style *st, size_t i, size_t end)
{
	wchar_t cell[CCHARW_MAX + 1];
	size_t k = 0;
	int cw;
	cchar_t cc;

	/* Printable ASCII without a combining mark after it, the common
	 * case, goes in as a plain chtype: far cheaper than a cchar_t. */
	short pair = color_pair(st[i].fg, st[i].bg);
	if (w[i] >= 0x20 && w[i] < 0x7f && pair < 256 &&
	    (i + 1 >= end || (w[i + 1] >= 0x20 && w[i + 1] < 0x7f))) {
		if (*x + 1 > maxx)
			return end;
		mvwaddch(win, y, *x, (chtype)w[i] | style_attr(st[i]) |
		    COLOR_PAIR(pair));
		(*x)++;
		return i + 1;
	}
	cw = wcwidth(w[i]);
	if (cw == 0) {
		/* A mark with no base: give it a space to sit on. */
		cell[k++] = L' ';
		cw = 1;
	} else {
		cell[k++] = cw < 0 || !iswprint((wint_t)w[i]) ? L'\xfffd' : w[i];
		if (cw < 0)
			cw = 1;
		i++;
	}
	while (i < end && utf_width(w[i]) == 0) {
		if (k < CCHARW_MAX)
			cell[k++] = w[i];
		i++;
	}
	cell[k] = L'\0';
	if (*x + cw > maxx)
		return end;
	struct style s = st[i - 1];
	if (setcchar(&cc, cell, style_attr(s), color_pair(s.fg, s.bg), NULL) == OK)
		mvwadd_wch(win, y, *x, &cc);
	*x += cw;
	return i;
}

static void
draw_row(WINDOW *win, int y, const struct render *r, size_t from, size_t to,
    int x, int maxx)
{
	size_t i = from;

	/* A multiline message's break (L'\n') ends its row unseen. */
	while (i < to && x < maxx && r->w[i] != L'\n')
		i = draw_char(win, y, &x, maxx, r->w, r->st, i, to);
}

/* "──── new since you last read ────" across the history pane. */
static void
draw_marker(int row)
{
	static const char text[] = " " READMARK_TEXT " ";
	int len = (int)strlen(text), x = (hist_cols - len) / 2;

	wattron(whist, A_BOLD | COLOR_PAIR(color_pair(4, -1)));
	mvwhline(whist, row, 0, ACS_HLINE, hist_cols);
	if (x >= 0)
		mvwaddstr(whist, row, x, text);
	wattroff(whist, A_BOLD | COLOR_PAIR(color_pair(4, -1)));
}

static void
draw_history(void)
{
	static struct render r;
	static size_t starts[RENDER_MAX + 1];
	struct buffer *b = window_current();
	int row, pass;

	for (pass = 0; pass < 2; pass++) {
		uint64_t oldest = b->seq - b->count, seq;
		size_t skip = b->scrolled ? b->skip : 0;

		werase(whist);
		row = hist_rows - 1;
		if (b->count == 0)
			break;
		seq = b->scrolled ? b->anchor : b->seq - 1;
		if (seq < oldest) {
			seq = oldest;
			skip = 0;
		}
		for (;;) {
			const struct line *l = buffer_line(b, seq);
			size_t nrows;
			int indent;

			render_line(&r, l, hist_cols);
			if (b->selected == seq + 1)
				for (size_t i = 0; i < r.n; i++)
					r.st[i].attr |= MIRC_REVERSE;
			nrows = wrap_rows(r.w, r.n, hist_cols, r.indent, starts,
			    nitems(starts));
			if (nrows > nitems(starts))
				nrows = nitems(starts);
			indent = r.indent > hist_cols - 2 ? 0 : r.indent;
			/* The marker row above the first unread line is one
			 * more row of it, its top (buffer_line_rows). */
			bool marker = readmark_line(b) == seq + 1;
			if (skip > nrows - !marker)
				skip = nrows - !marker;
			for (size_t k = nrows - (skip < nrows ? skip : nrows);
			    k-- > 0 && row >= 0; row--)
				draw_row(whist, row, &r, starts[k],
				    k + 1 < nrows ? starts[k + 1] : r.n,
				    k == 0 ? 0 : indent, hist_cols);
			if (marker && row >= 0)
				draw_marker(row--);
			skip = 0;
			if (row < 0 || seq == oldest)
				break;
			seq--;
		}
		/* The top of the buffer is on screen: ask for older lines. */
		if (b->scrolled && seq == oldest)
			chathist_scrolled_top(b);
		/* Scrolled past the top: come down until the screen is full. */
		if (row < 0 || !b->scrolled || pass > 0)
			break;
		buffer_scroll(b, -(long)(row + 1), hist_cols);
		if (!b->scrolled)
			continue;
	}
	wnoutrefresh(whist);
}

static void
draw_nicks(void)
{
	struct buffer *b = window_current();
	size_t first;

	if (wnick == NULL)
		return;
	werase(wnick);
	mvwvline(wnick, 0, 0, ACS_VLINE, hist_rows);
	if (b->nnicks <= (size_t)hist_rows)
		b->nickscroll = 0;
	else if (b->nickscroll > b->nnicks - (size_t)hist_rows)
		b->nickscroll = b->nnicks - (size_t)hist_rows;
	first = b->nickscroll;
	for (int y = 0; y < hist_rows && first + (size_t)y < b->nnicks; y++) {
		const struct nick *n = &b->nicks[first + (size_t)y];
		static struct render r;
		struct style st = { n->away ? MIRC_DIM : 0,
		    (int8_t)render_nick_color(n->name), MIRC_DEFAULT };
		char text[IRC_NICK_MAX + 3];

		snprintf(text, sizeof(text), "%c%s",
		    n->prefix[0] != '\0' ? n->prefix[0] : ' ', n->name);
		r.n = utf_decode(text, strlen(text), r.w, RENDER_MAX);
		for (size_t i = 0; i < r.n; i++)
			r.st[i] = st;
		r.st[0].fg = MIRC_DEFAULT;
		/* A nick longer than the list is wide says so. */
		render_fit(&r, nick_cols - 1);
		draw_row(wnick, y, &r, 0, r.n, 1, nick_cols);
	}
	wnoutrefresh(wnick);
}

/* The topic bar's row: a channel's, unless --no-topic, and only when
 * the history keeps a row of its own. */
static int
topic_height(int rows)
{
	return window_current()->kind == BUFFER_CHANNEL && !opt.no_topic &&
	    rows > UI_MIN_ROWS ? 1 : 0;
}

/* The channel's topic on one reversed line; one that does not fit ends
 * in a marker where it is cut, so a cut topic never looks whole. */
static void
draw_topic(void)
{
	static struct render r;
	const struct buffer *b = window_current();
	struct style st = { MIRC_REVERSE, MIRC_DEFAULT, MIRC_DEFAULT };
	int cols = getmaxx(wtopic), width = 0;
	size_t n = 0;

	werase(wtopic);
	wbkgdset(wtopic, A_REVERSE);
	werase(wtopic);
	r.n = 0;
	r.w[r.n] = L' ';
	r.st[r.n++] = st;
	if (b->topic != NULL)
		r.n += mirc_decode(b->topic, strlen(b->topic), &st, r.w + r.n,
		    r.st + r.n, RENDER_MAX - 1 - r.n);
	for (size_t i = 0; i < r.n; i++)
		r.st[i].attr |= MIRC_REVERSE;
	/* Whole characters up to the width, leaving a column for the
	 * marker when something is left over. */
	while (n < r.n) {
		int w = utf_width(r.w[n]);
		if (width + w > cols - 1 && (n + 1 < r.n || width + w > cols))
			break;
		width += w;
		n++;
	}
	if (n < r.n) {
		r.w[n] = wcwidth(L'\u2026') == 1 ? L'\u2026' : L'>';
		r.st[n] = (struct style){ MIRC_REVERSE | MIRC_BOLD,
		    MIRC_DEFAULT, MIRC_DEFAULT };
		r.n = n + 1;
	}
	draw_row(wtopic, 0, &r, 0, r.n, 0, cols);
	wnoutrefresh(wtopic);
}

static void
draw_status(void)
{
	static struct render r;
	int cols = getmaxx(wstatus);

	werase(wstatus);
	wbkgdset(wstatus, A_REVERSE);
	werase(wstatus);
	status_render(&r, cols);
	draw_row(wstatus, 0, &r, 0, r.n, 0, cols);
	wnoutrefresh(wstatus);
}

static void
draw_input(void)
{
	struct edit *e = &window_current()->edit;
	int cols = getmaxx(winput), x = 0, cursor;
	static struct render r;

	werase(winput);
	const char *prompt = net_prompt() != NULL ? net_prompt() :
	    paste_prompt() != NULL ? paste_prompt() : redact_prompt();
	if (prompt != NULL) {
		/* A question waits (a server's certificate, a paste's
		 * confirmation, a deletion's): it owns the line. */
		wattron(winput, A_BOLD | A_REVERSE);
		mvwaddnstr(winput, 0, 0, prompt, cols);
		wattroff(winput, A_BOLD | A_REVERSE);
		return;
	}
	cursor = edit_view(e, cols);
	r.n = 0;
	for (size_t i = e->scroll; i < e->len && r.n < RENDER_MAX; i++) {
		/* A line break (Alt-Enter) shows as one column. */
		r.w[r.n] = e->buf[i] == L'\n' ? L'\x21b5' : e->buf[i];
		r.st[r.n].attr = 0;
		r.st[r.n].fg = r.st[r.n].bg = MIRC_DEFAULT;
		r.n++;
	}
	draw_row(winput, 0, &r, 0, r.n, x, cols);
	wmove(winput, 0, cursor < cols ? cursor : cols - 1);
}

/* Width of the nick list for the current buffer, 0 for none. */
static int
nick_width(int cols)
{
	const struct buffer *b = window_current();
	size_t longest = 0;
	int w;

	if (b->kind != BUFFER_CHANNEL)
		return 0;
	for (size_t i = 0; i < b->nnicks; i++) {
		size_t n = strlen(b->nicks[i].name);
		if (n > longest)
			longest = n;
	}
	w = (int)longest + 2;	/* the rule and the prefix */
	if (w < NICKS_MIN)
		w = NICKS_MIN;
	if (w > NICKS_MAX)
		w = NICKS_MAX;
	if (w > cols / 4)
		w = cols / 4;
	return w < 3 ? 0 : w;
}

static void
layout(void)
{
	int rows = LINES, cols = COLS;

	if (wtopic != NULL)
		delwin(wtopic);
	if (whist != NULL)
		delwin(whist);
	if (wnick != NULL)
		delwin(wnick);
	if (wstatus != NULL)
		delwin(wstatus);
	if (winput != NULL)
		delwin(winput);
	wtopic = whist = wnick = wstatus = winput = NULL;
	dirty = DIRTY_ALL;
	/* Smaller than this there is no useful screen: say so on one line
	 * (keys still work) until the terminal grows again. */
	tiny = rows < UI_MIN_ROWS || cols < UI_MIN_COLS;
	if (tiny) {
		topic_rows = hist_rows = hist_cols = nick_cols = 0;
		winput = newwin(1, cols > 0 ? cols : 1, rows > 0 ? rows - 1 : 0, 0);
		if (winput == NULL)
			fatalx("cannot make a curses window for %dx%d", cols, rows);
		keypad(winput, TRUE);
		nodelay(winput, TRUE);
		return;
	}
	nick_cols = nick_width(cols);
	topic_rows = topic_height(rows);
	hist_rows = rows - 2 - topic_rows;
	hist_cols = cols - nick_cols;
	if (topic_rows > 0 && (wtopic = newwin(1, cols, 0, 0)) == NULL)
		fatalx("cannot make curses windows for %dx%d", cols, rows);
	whist = newwin(hist_rows, hist_cols, topic_rows, 0);
	if (nick_cols > 0)
		wnick = newwin(hist_rows, nick_cols, topic_rows, hist_cols);
	wstatus = newwin(1, cols, rows - 2, 0);
	winput = newwin(1, cols, rows - 1, 0);
	if (whist == NULL || wstatus == NULL || winput == NULL ||
	    (nick_cols > 0 && wnick == NULL))
		fatalx("cannot make curses windows for %dx%d", cols, rows);
	keypad(winput, TRUE);
	nodelay(winput, TRUE);
}

void
ui_init(void)
{
	if (initscr() == NULL)
		fatalx("cannot start curses");
	cbreak();
	noecho();
	nonl();
	set_escdelay(25);
	intrflush(stdscr, FALSE);
	/* Ctrl-C is a key (interrupt.c), not SIGINT: the terminal's
	 * interrupt character is switched off for curses' program mode,
	 * and endwin gives the shell its own back. */
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) == 0) {
		tio.c_cc[VINTR] = _POSIX_VDISABLE;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) == 0)
			def_prog_mode();
	}
	/* NO_COLOR and --no-color were decided in main (ui_color); never
	 * even start_color then, so not one colour escape is sent. */
	colors = ui_color && has_colors() && start_color() == OK;
	color_depth = colors ? color_mode(NULL, false, COLORS) : COLOR_NONE;
	colors = color_depth != COLOR_NONE;
	if (colors)
		use_default_colors();
	/* Bracketed paste (xterm): pastes arrive between CSI 200~ and 201~.
	 * Focus reports (CSI I, CSI O) only when something notifies. */
	printf("\033[?2004h");
	if (notify_enabled())
		printf("\033[?1004h");
	fflush(stdout);
	/* Off by default, as in irssi and WeeChat: a terminal whose mouse
	 * is taken selects text only with Shift, which few people know. */
	if (opt.mouse) {
		mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(0);
	}
	started = true;
	layout();
}

void
ui_end(void)
{
	/* Not whist: a terminal too small for the panes has none. */
	if (!started)
		return;
	started = false;
	printf("\033[?2004l");
	if (notify_enabled())
		printf("\033[?1004l");
	fflush(stdout);
	endwin();
	keys_free(&keyin);
}

void
ui_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	layout();
	clearok(curscr, TRUE);
}

void
ui_draw(void)
{
	if (hl_bell) {
		hl_bell = false;
		beep();
	}
	if (dirty == 0)
		return;
	if (tiny) {
		werase(winput);
		mvwaddnstr(winput, 0, 0, "natter: window too small", COLS);
		wnoutrefresh(winput);
		doupdate();
		dirty = 0;
		return;
	}
	if (nick_width(COLS) != nick_cols || topic_height(LINES) != topic_rows)
		layout();
	if (wtopic != NULL && (dirty & (DIRTY_STATUS | DIRTY_HISTORY)))
		draw_topic();
	if (dirty & DIRTY_HISTORY)
		draw_history();
	if (dirty & (DIRTY_NICKS | DIRTY_HISTORY))
		draw_nicks();
	if (dirty & DIRTY_STATUS)
		draw_status();
	/* The input line goes last so the terminal cursor ends there. */
	draw_input();
	wnoutrefresh(winput);
	doupdate();
	dirty = 0;
}

/* Keys. Each binding names what it does. */

static struct edit *
cur_edit(void)
{
	return &window_current()->edit;
}

static void
edit_key(enum edit_op op)
{
	edit_op(cur_edit(), op);
	dirty |= DIRTY_INPUT;
}

static void k_left(void) { edit_key(EDIT_LEFT); }
static void k_right(void) { edit_key(EDIT_RIGHT); }
static void k_word_left(void) { edit_key(EDIT_WORD_LEFT); }
static void k_word_right(void) { edit_key(EDIT_WORD_RIGHT); }
static void k_backspace(void) { edit_key(EDIT_BACKSPACE); }
static void k_delete(void) { edit_key(EDIT_DELETE); }

/* Delete: with a message selected (Shift-Up/Down), ask to delete it;
 * otherwise the character under the cursor. C-d stays the editor's. */
static void
k_delete_key(void)
{
	if (!redact_ask(window_current()))
		k_delete();
}
static void k_kill_word_back(void) { edit_key(EDIT_KILL_WORD_BACK); }
static void k_kill_word_fwd(void) { edit_key(EDIT_KILL_WORD_FWD); }
static void k_kill_bol(void) { edit_key(EDIT_KILL_BOL); }
static void k_kill_eol(void) { edit_key(EDIT_KILL_EOL); }
static void k_yank(void) { edit_key(EDIT_YANK); }
static void k_hist_prev(void) { edit_key(EDIT_HIST_PREV); }
static void k_hist_next(void) { edit_key(EDIT_HIST_NEXT); }

/* Home and End move in the line, or through history when it is empty. */
static void
k_home(void)
{
	if (cur_edit()->len == 0)
		buffer_scroll_top(window_current(), hist_cols);
	else
		edit_key(EDIT_HOME);
}

static void
k_end(void)
{
	if (cur_edit()->len == 0)
		buffer_scroll_bottom(window_current());
	else
		edit_key(EDIT_END);
}

static void
k_ctrl_a(void)
{
	edit_key(EDIT_HOME);
}

static void
k_ctrl_e(void)
{
	edit_key(EDIT_END);
}

static void
k_page_up(void)
{
	buffer_scroll(window_current(), hist_rows > 2 ? hist_rows - 2 : 1,
	    hist_cols);
}

static void
k_page_down(void)
{
	buffer_scroll(window_current(), -(hist_rows > 2 ? hist_rows - 2 : 1),
	    hist_cols);
}

static void
k_next(void)
{
	window_select((window_cur + 1) % nwindows);
}

static void
k_prev(void)
{
	window_select((window_cur + nwindows - 1) % nwindows);
}

static void
k_nicks_up(void)
{
	struct buffer *b = window_current();

	b->nickscroll = b->nickscroll > (size_t)hist_rows / 2 ?
	    b->nickscroll - (size_t)hist_rows / 2 : 0;
	dirty |= DIRTY_NICKS;
}

static void
k_nicks_down(void)
{
	window_current()->nickscroll += (size_t)hist_rows / 2;
	dirty |= DIRTY_NICKS;
}

static void
k_enter(void)
{
	char line[EDIT_MAX * 4 + 1];
	struct buffer *b = window_current();

	/* An empty line says nothing, except in *list*, where it takes
	 * the filter away. */
	if (edit_take(&b->edit, line, sizeof(line)) == 0 &&
	    b->kind != BUFFER_LIST)
		return;
	dirty |= DIRTY_INPUT;
	/* Not connected: the line comes back, not lost (b is still open,
	 * since nothing ran). */
	if (!command_run(b, line))
		edit_set(&b->edit, line);
}

static void
k_interrupt(void)
{
	if (interrupt_key(window_current(), time_mono_ms()))
		command_run(window_current(), "/quit");
}

/* Alt-Enter: a line break in the input, sent as one multiline message
 * where the server takes them (else as several). */
static void
k_newline(void)
{
	if (edit_insert(cur_edit(), L'\n'))
		dirty |= DIRTY_INPUT;
}

/* Shift-Up, Shift-Down: select a message for /react and /delete, the
 * view following it. */
static void
select_move(int dir)
{
	struct buffer *b = window_current();
	uint64_t bottom, rows = 0;

	react_select(b, dir);
	if (b->selected == 0)
		return;
	bottom = b->scrolled ? b->anchor : b->seq - 1;
	for (uint64_t s = bottom; s >= b->selected - 1; s--) {
		rows += buffer_line_rows(b, s, hist_cols);
		if (s == b->selected - 1)
			break;
	}
	if (b->selected - 1 > bottom || rows > (uint64_t)hist_rows) {
		b->scrolled = b->selected < b->seq;
		b->anchor = b->selected - 1;
		b->skip = 0;
	}
}

static void k_select_up(void) { select_move(-1); }
static void k_select_down(void) { select_move(1); }

static void
k_redraw(void)
{
	clearok(curscr, TRUE);
	dirty = DIRTY_ALL;
}

/* resizeterm (ui_resize) queues KEY_RESIZE: curses has the new size
 * already, so only lay out again; calling resizeterm here would queue
 * another KEY_RESIZE, forever. */
static void
k_resize(void)
{
	layout();
}

static void
k_mouse(void)
{
	MEVENT ev;
	bool nicks;

	if (getmouse(&ev) != OK)
		return;
	nicks = wnick != NULL && ev.x >= hist_cols;
	if (ev.bstate & BUTTON4_PRESSED) {
		if (nicks)
			k_nicks_up();
		else
			buffer_scroll(window_current(), SCROLL_WHEEL, hist_cols);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		if (nicks)
			k_nicks_down();
		else
			buffer_scroll(window_current(), -SCROLL_WHEEL, hist_cols);
	}
}

#define KEY_CTRL(c) ((c) & 0x1f)

static void
k_tab(void)
{
	complete_tab(window_current(), 1);
}

static void
k_backtab(void)
{
	complete_tab(window_current(), -1);
}

/* Ctrl-R: search for the input line's text, or again further back. */
static void
k_search(void)
{
	struct buffer *b = window_current();
	char text[EDIT_MAX * 4 + 1];

	edit_get(&b->edit, text, sizeof(text));
	if (!search_buffer(b, text[0] != '\0' ? text : NULL))
		beep();
}

/* Several messages' worth asks first; one goes into the line as typed. */
static void
paste_end(const char *text, size_t len)
{
	struct buffer *b = window_current();

	if (len == 0 || paste_offer(b, text, len))
		return;
	paste_insert(&b->edit, text, len);
	dirty |= DIRTY_INPUT;
}

static void
k_focus_in(void)
{
	notify_focus(true);
}

static void
k_focus_out(void)
{
	notify_focus(false);
}

enum key_kind {
	KEY_KIND_CHAR,	/* a character (control keys) */
	KEY_KIND_FUNC,	/* a curses KEY_* code */
	KEY_KIND_META,	/* Alt (Escape) then a character */
	KEY_KIND_CSI,	/* an escape sequence terminfo does not know */
	KEY_KIND_NAME,	/* an extended curses key found by its terminfo name */
};

static const struct keybind {
	enum key_kind kind;
	wint_t code;
	const char *name;	/* CSI parameters and final, or terminfo name */
	void (*fn)(void);
} keys[] = {
	{ KEY_KIND_CHAR, KEY_CTRL('A'), NULL, k_ctrl_a },
	{ KEY_KIND_CHAR, KEY_CTRL('B'), NULL, k_left },
	{ KEY_KIND_CHAR, KEY_CTRL('C'), NULL, k_interrupt },
	{ KEY_KIND_CHAR, KEY_CTRL('D'), NULL, k_delete },
	{ KEY_KIND_CHAR, KEY_CTRL('E'), NULL, k_ctrl_e },
	{ KEY_KIND_CHAR, KEY_CTRL('F'), NULL, k_right },
	{ KEY_KIND_CHAR, KEY_CTRL('H'), NULL, k_backspace },
	{ KEY_KIND_CHAR, KEY_CTRL('I'), NULL, k_tab },
	{ KEY_KIND_CHAR, KEY_CTRL('J'), NULL, k_enter },
	{ KEY_KIND_CHAR, KEY_CTRL('K'), NULL, k_kill_eol },
	{ KEY_KIND_CHAR, KEY_CTRL('L'), NULL, k_redraw },
	{ KEY_KIND_CHAR, KEY_CTRL('M'), NULL, k_enter },
	{ KEY_KIND_CHAR, KEY_CTRL('N'), NULL, k_next },
	{ KEY_KIND_CHAR, KEY_CTRL('P'), NULL, k_prev },
	{ KEY_KIND_CHAR, KEY_CTRL('R'), NULL, k_search },
	{ KEY_KIND_CHAR, KEY_CTRL('U'), NULL, k_kill_bol },
	{ KEY_KIND_CHAR, KEY_CTRL('W'), NULL, k_kill_word_back },
	{ KEY_KIND_CHAR, KEY_CTRL('Y'), NULL, k_yank },
	{ KEY_KIND_CHAR, 0x7f, NULL, k_backspace },
	{ KEY_KIND_FUNC, KEY_BACKSPACE, NULL, k_backspace },
	{ KEY_KIND_FUNC, KEY_BTAB, NULL, k_backtab },
	{ KEY_KIND_FUNC, KEY_DC, NULL, k_delete_key },
	{ KEY_KIND_FUNC, KEY_DOWN, NULL, k_hist_next },
	{ KEY_KIND_FUNC, KEY_END, NULL, k_end },
	{ KEY_KIND_FUNC, KEY_ENTER, NULL, k_enter },
	{ KEY_KIND_FUNC, KEY_HOME, NULL, k_home },
	{ KEY_KIND_FUNC, KEY_LEFT, NULL, k_left },
	{ KEY_KIND_FUNC, KEY_MOUSE, NULL, k_mouse },
	{ KEY_KIND_FUNC, KEY_NPAGE, NULL, k_page_down },
	{ KEY_KIND_FUNC, KEY_PPAGE, NULL, k_page_up },
	{ KEY_KIND_FUNC, KEY_RESIZE, NULL, k_resize },
	{ KEY_KIND_FUNC, KEY_RIGHT, NULL, k_right },
	{ KEY_KIND_FUNC, KEY_SF, NULL, k_select_down },
	{ KEY_KIND_FUNC, KEY_SR, NULL, k_select_up },
	{ KEY_KIND_FUNC, KEY_UP, NULL, k_hist_prev },
	{ KEY_KIND_META, KEY_CTRL('J'), NULL, k_newline },
	{ KEY_KIND_META, KEY_CTRL('M'), NULL, k_newline },
	{ KEY_KIND_META, 'b', NULL, k_word_left },
	{ KEY_KIND_META, 'd', NULL, k_kill_word_fwd },
	{ KEY_KIND_META, 'f', NULL, k_word_right },
	{ KEY_KIND_META, 0x7f, NULL, k_kill_word_back },
	{ KEY_KIND_META, KEY_CTRL('H'), NULL, k_kill_word_back },
	/* xterm modifiers: 3 is Alt, 5 is Ctrl. */
	{ KEY_KIND_CSI, 0, "1;3D", k_prev },
	{ KEY_KIND_CSI, 0, "1;3A", k_prev },
	{ KEY_KIND_CSI, 0, "1;3C", k_next },
	{ KEY_KIND_CSI, 0, "1;3B", k_next },
	{ KEY_KIND_CSI, 0, "Z", k_backtab },
	{ KEY_KIND_CSI, 0, "1;2A", k_select_up },
	{ KEY_KIND_CSI, 0, "1;2B", k_select_down },
	{ KEY_KIND_CSI, 0, "1;5D", k_word_left },
	{ KEY_KIND_CSI, 0, "1;5C", k_word_right },
	{ KEY_KIND_CSI, 0, "5;5~", k_nicks_up },
	{ KEY_KIND_CSI, 0, "6;5~", k_nicks_down },
	/* Focus reports, where terminfo names them (ncurses 6.5's xterm). */
	{ KEY_KIND_NAME, 0, "kxIN", k_focus_in },
	{ KEY_KIND_NAME, 0, "kxOUT", k_focus_out },
	{ KEY_KIND_NAME, 0, "kUP", k_select_up },
	{ KEY_KIND_NAME, 0, "kDN", k_select_down },
	{ KEY_KIND_NAME, 0, "kLFT3", k_prev },
	{ KEY_KIND_NAME, 0, "kUP3", k_prev },
	{ KEY_KIND_NAME, 0, "kRIT3", k_next },
	{ KEY_KIND_NAME, 0, "kDN3", k_next },
	{ KEY_KIND_NAME, 0, "kLFT5", k_word_left },
	{ KEY_KIND_NAME, 0, "kRIT5", k_word_right },
	{ KEY_KIND_NAME, 0, "kPRV5", k_nicks_up },
	{ KEY_KIND_NAME, 0, "kNXT5", k_nicks_down },
};

static bool
key_run(enum key_kind kind, wint_t code, const char *name)
{
	for (size_t i = 0; i < nitems(keys); i++) {
		const struct keybind *k = &keys[i];
		if (k->kind != kind)
			continue;
		if (kind == KEY_KIND_CSI ? strcmp(k->name, name) == 0 :
		    kind == KEY_KIND_NAME ? name != NULL && strcmp(k->name, name) == 0 :
		    k->code == code) {
			k->fn();
			return true;
		}
	}
	return false;
}

static void
key_meta(bool func, wint_t ch)
{
	if (!func && ch >= '1' && ch <= '9') {
		window_select((size_t)(ch - '1'));
		return;
	}
	if (!func && ch == '0') {
		window_select(9);
		return;
	}
	/* Terminals that send Alt as a plain ESC before the arrow's own
	 * sequence. */
	if (func) {
		if (ch == KEY_LEFT || ch == KEY_UP)
			k_prev();
		else if (ch == KEY_RIGHT || ch == KEY_DOWN)
			k_next();
		else if (ch == KEY_BACKSPACE)
			k_kill_word_back();
		return;
	}
	key_run(KEY_KIND_META, ch, NULL);
}

static void
key(bool func, wint_t ch)
{
	struct key k;

	/* Trusting a certificate takes y or n and nothing else: a key
	 * typed ahead while connecting must not decide it. */
	if (net_prompt() != NULL && keys_idle(&keyin)) {
		if (!func && (ch == 'y' || ch == 'Y' || ch == 'n' || ch == 'N'))
			net_answer(ch == 'y' || ch == 'Y');
		return;
	}
	/* A pending question takes the next key: y sends (or deletes),
	 * anything else cancels. */
	if (paste_prompt() != NULL && keys_idle(&keyin)) {
		if (!func)
			paste_answer(ch == 'y' || ch == 'Y');
		return;
	}
	if (redact_prompt() != NULL && keys_idle(&keyin)) {
		if (!func)
			redact_answer(ch == 'y' || ch == 'Y');
		return;
	}
	k = keys_feed(&keyin, func, ch);
	switch (k.kind) {
	case KEYS_NONE:
		return;
	case KEYS_PASTE:
		paste_end(k.text, k.len);
		return;
	case KEYS_CSI:
		key_run(KEY_KIND_CSI, 0, k.csi);	/* unknown ones are dropped */
		return;
	case KEYS_FOCUS:
		notify_focus(k.focus_in);
		return;
	case KEYS_META:
		key_meta(k.func, k.code);
		return;
	case KEYS_FUNC:
		/* Inside a paste, a key curses decoded is pasted text that
		 * looked like one (ESC O A is Up): never act on it. A resize
		 * is the terminal's own, and lays out again. */
		if (keyin.pasting && k.code != KEY_RESIZE)
			return;
		if (!key_run(KEY_KIND_FUNC, k.code, NULL))
			key_run(KEY_KIND_NAME, 0, keyname((int)k.code));
		return;
	case KEYS_CHAR:
		break;
	}
	if (k.code < 0x20 || k.code == 0x7f) {
		key_run(KEY_KIND_CHAR, k.code, NULL);
		return;
	}
	if (wcwidth((wchar_t)k.code) < 0)
		return;
	if (edit_insert(cur_edit(), (wchar_t)k.code))
		dirty |= DIRTY_INPUT;
}

/* FNV-1a of the input line, to tell an edit from a cursor move. */
static uint64_t
line_hash(const struct edit *e)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < e->len; i++)
		h = (h ^ (uint64_t)e->buf[i]) * 1099511628211ull;
	return h ^ e->len;
}

/* The keys of one read: what came together, for paste detection. */
static struct burst {
	wint_t *ch;
	bool *func;
	size_t n, cap;
} burst;

/* Read what is waiting into the burst; true when a line break came in
 * it after other keys (a paste may be under way: wait for the rest). */
static bool
burst_read(void)
{
	bool brk = false;
	wint_t ch;
	int rc;

	while (burst.n < KEYS_PASTE_MAX && (rc = wget_wch(winput, &ch)) != ERR) {
		if (burst.n == burst.cap) {
			burst.cap = burst.cap ? burst.cap * 2 : 256;
			burst.ch = xreallocarray(burst.ch, burst.cap,
			    sizeof(*burst.ch));
			burst.func = xreallocarray(burst.func, burst.cap,
			    sizeof(*burst.func));
		}
		burst.ch[burst.n] = ch;
		burst.func[burst.n++] = rc == KEY_CODE_YES;
		if (rc != KEY_CODE_YES && (ch == '\r' || ch == '\n') &&
		    burst.n > 1)
			brk = true;
	}
	return brk;
}

/* The burst as UTF-8 text when it is plain characters, else 0. An
 * escape means a key sequence or a bracketed paste: those are keys.c's. */
static size_t
burst_text(char **out)
{
	size_t len = 0, cap = burst.n * 4 + 1;
	char *s = xmalloc(cap);

	for (size_t i = 0; i < burst.n; i++) {
		if (burst.func[i] || burst.ch[i] == 0x1b) {
			free(s);
			return 0;
		}
		wchar_t w = (wchar_t)burst.ch[i];
		len += utf_encode(&w, 1, s + len, cap - len);
	}
	*out = s;
	return len;
}

void
ui_keys(void)
{
	char *text = NULL;
	size_t len;

	/* Without bracketed paste a paste is only keys faster than anyone
	 * types: when a line break came with others, wait a moment for the
	 * rest of them before deciding. */
	burst.n = 0;
	if (burst_read()) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		size_t before;
		do {
			before = burst.n;
			if (poll(&pfd, 1, PASTE_GAP_MS) <= 0 ||
			    !(pfd.revents & POLLIN))
				break;
			burst_read();
		} while (burst.n > before && burst.n < KEYS_PASTE_MAX);
	}
	if (keys_idle(&keyin) && net_prompt() == NULL && paste_prompt() == NULL &&
	    (len = burst_text(&text)) > 0 && paste_burst(text, len)) {
		paste_end(text, len);
		free(text);
		complete_key_done();
		return;
	}
	free(text);
	for (size_t i = 0; i < burst.n; i++) {
		struct buffer *b = window_current();
		uint64_t before = line_hash(&b->edit);
		key(burst.func[i], burst.ch[i]);
		complete_key_done();
		/* What the line holds changed: typing.c decides what to tell.
		 * A /command is not a message being typed. */
		if (window_current() == b && line_hash(&b->edit) != before)
			typing_input(b, b->edit.len == 0 || b->edit.buf[0] == L'/',
			    time_mono_ms());
	}
}
