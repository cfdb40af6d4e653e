/*
 * natter: the whole program's vocabulary in one header, a paragraph per
 * file. Everything but ui.c is free of curses and has Check tests.
 */
#ifndef NATTER_H
#define NATTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "irc.h"
#include "numeric.h"
#include "util.h"

#endif
