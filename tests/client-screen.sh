#!/bin/bash
# Screen test for natter: run it in a private tmux server (fixed size, UTF-8)
# against a real IRC server ($1: natterd or ngircd), with a second user
# ("bob") on a raw socket. With $2 "tls", natter talks TLS to the server's
# own TLS port, with a certificate made here and pinned (--tls-fingerprint);
# bob and the extra natters stay plain. On natterd over TLS, natter also
# logs in with SASL EXTERNAL, presenting a client certificate bob's account
# lists. Every step waits for what it expects on the
# screen or on bob's socket, with a deadline; nothing sleeps blindly.
# Skips (77) only when tmux or the server program is missing.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${NATTER:?}"
kind=${1:?natterd or ngircd}
tls=${2:-}
# A $TMUX_BIN that is not a program (configure run inside tmux) falls
# back to the PATH; $TMUX is unset so tmux never thinks it is nested.
[ -x "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux || true)
unset TMUX
DEADLINE=${DEADLINE:-10}	# seconds per wait

skip() { echo "client-$kind: $*; skipping"; exit 77; }
[ -n "$TMUX_BIN" ] && [ -x "$TMUX_BIN" ] || skip "no tmux"
[ -x "$NATTER" ] || { echo "client-$kind: $NATTER not built" >&2; exit 99; }

if [ -n "$tls" ]; then
	OPENSSL=$(command -v openssl || true)
	[ -n "$OPENSSL" ] || skip "no openssl (for a test certificate)"
	kind=$kind-tls
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/natter-$kind.XXXXXX") || exit 99
sock=natter-$kind-$$
server_pid=
pw_pid=
peer_pid=
. "${top_srcdir:?}/tests/screen-lib.sh"
watchdog=
cleanup() {
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	screen_reap "$TMUX_BIN" "$sock"
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	# The second natterd (password test): a failure there must not leave
	# it running, or the wait below never returns.
	[ -n "$pw_pid" ] && kill "$pw_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
screen_watchdog 300 "client-$kind"

T() { "$TMUX_BIN" -u -L "$sock" -f /dev/null "$@"; }
fail() {
	echo "client-$kind: FAIL: $*" >&2
	echo "--- screen:" >&2
	T capture-pane -p -t natter >&2 2>/dev/null
	if T has-session -t pw 2>/dev/null; then
		echo "--- the password test's screen:" >&2
		T capture-pane -p -t pw >&2 2>/dev/null
		[ -f "$work/server2.log" ] && tail -n 20 "$work/server2.log" >&2
	fi
	if T has-session -t ext 2>/dev/null; then
		echo "--- the EXTERNAL login's screen:" >&2
		T capture-pane -p -t ext >&2 2>/dev/null
	fi
	echo "--- bob saw:" >&2
	tail -n 20 "$work/bob.log" >&2 2>/dev/null
	[ -f "$work/server.log" ] && { echo "--- server log:" >&2; tail -n 20 "$work/server.log" >&2; }
	exit 1
}
screen() { T capture-pane -p -t natter; }
# until_true what cmd...: poll cmd every 0.05 s until it succeeds or the deadline.
until_true() {
	what=$1; shift
	end=$(($(date +%s) + DEADLINE))
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && fail "timed out waiting for $what"
		sleep 0.05
	done
}
screen_has() { screen | grep -Eq -- "$1"; }
screen_lacks() { ! screen | grep -Eq -- "$1"; }
wait_screen() { until_true "screen: $1" screen_has "$1"; }
bob_has() { grep -Eq -- "$1" "$work/bob.log"; }
wait_bob() { until_true "bob to receive: $1" bob_has "$1"; }
say() { printf '%s\r\n' "$*" >&3; }
keys() { T send-keys -t natter "$@"; }

# --- the server, on a free port
port_free() { ! (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_ngircd() {
	NGIRCD_BIN=${NGIRCD_BIN:-$(command -v ngircd || echo /usr/sbin/ngircd)}
	[ -x "$NGIRCD_BIN" ] || skip "no ngircd"
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM * 7 + $$ + try * 977) % 40000))
		port_free "$port" || continue
		ngircd_ssl=
		if [ -n "$tls" ]; then
			tls_port=$((20000 + (RANDOM * 11 + $$ + try * 733) % 40000))
			port_free "$tls_port" && [ "$tls_port" != "$port" ] || continue
			ngircd_ssl="[SSL]
CertFile = $work/tls.crt
KeyFile = $work/tls.key
Ports = $tls_port"
		fi
		cat >"$work/ngircd.conf" <<-CONF
		[Global]
		Name = irc.test
		Info = natter screen test
		Listen = 127.0.0.1
		Ports = $port
		MotdPhrase = natter test motd
		$ngircd_ssl
		[Limits]
		MaxNickLength = 30
		[Options]
		PAM = no
		Ident = no
		DNS = no
		CONF
		"$NGIRCD_BIN" -n -f "$work/ngircd.conf" >"$work/server.log" 2>&1 &
		server_pid=$!
		end=$(($(date +%s) + DEADLINE))
		while kill -0 "$server_pid" 2>/dev/null; do
			# Another test may take a port first: ngircd then
			# listens on the other one only, and is tried again.
			grep -q "Can't bind" "$work/server.log" && break
			grep -q "Now listening on \[127.0.0.1\]:$port " "$work/server.log" &&
				{ [ -z "$tls" ] || grep -q "Now listening on \[127.0.0.1\]:$tls_port " \
				    "$work/server.log"; } && return 0
			[ "$(date +%s)" -ge "$end" ] && break
			sleep 0.05
		done
		kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
		server_pid=
	done
	fail "ngircd did not start"
}
# start_natterd log args...: natterd on ports of its own choosing, which
# it logs; sets port (and tls_port with tls: its own TLS listener,
# presenting the certificate made below) and server_pid. The test's dozen
# clients all come from 127.0.0.1: loopback is trusted, past the
# per-address limits.
start_natterd() {
	[ -x "${NATTERD:-}" ] || skip "natterd is not built in this tree yet"
	log=$1; shift
	set -- --tls-listen none "$@"
	[ -n "$tls" ] && set -- --tls-listen 127.0.0.1:0 --tls-cert "$work/tls.crt" \
	    --tls-key "$work/tls.key" "${@:3}"
	"$NATTERD" -l 127.0.0.1:0 -d none --name natter.test --flood off \
	    --trust 127.0.0.0/8 "$@" 2>"$log" &
	server_pid=$!
	end=$(($(date +%s) + DEADLINE))
	until port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
	    "$log" 2>/dev/null | head -n 1) && [ -n "$port" ]; do
		kill -0 "$server_pid" 2>/dev/null || fail "natterd exited"
		[ "$(date +%s)" -ge "$end" ] && fail "natterd did not start"
		sleep 0.05
	done
	[ -n "$tls" ] && tls_port=$(sed -n \
	    's/.*listening on ircs:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
	[ -z "$tls" ] || [ -n "$tls_port" ] || fail "natterd has no TLS port"
}
# With tls: a throwaway certificate (ngircd's TLS port is picked with its
# plain one).
if [ -n "$tls" ]; then
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=irc.test -days 2 -keyout "$work/tls.key" \
	    -out "$work/tls.crt" >"$work/openssl.log" 2>&1 ||
		fail "openssl could not make a certificate: $(cat "$work/openssl.log")"
	fingerprint=$("$OPENSSL" x509 -noout -fingerprint -sha256 -in "$work/tls.crt" | sed 's/.*=//')
	# The client certificate natter presents for SASL EXTERNAL.
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=bob -days 2 -keyout "$work/client.key" \
	    -out "$work/client.crt" >"$work/openssl.log" 2>&1 ||
		fail "openssl could not make a certificate: $(cat "$work/openssl.log")"
	client_fp=$("$OPENSSL" x509 -noout -fingerprint -sha256 -in "$work/client.crt" | sed 's/.*=//')
	cat "$work/client.crt" "$work/client.key" >"$work/client.pem"
fi
case $kind in
ngircd*) start_ngircd ;;
natterd*) start_natterd "$work/server.log" ;;
*) echo "client-screen.sh: unknown server $kind" >&2; exit 99 ;;
esac
main_port=$port	# the password test starts a second natterd
# How the first natter connects: plain to the server, or TLS to its TLS
# port.
natter_conn="--no-tls -p $port"
[ -n "$tls" ] && natter_conn="--tls-fingerprint $fingerprint -p $tls_port"


# --- natter in tmux, 100x30, UTF-8, times in UTC
export TZ=UTC LC_ALL=C.UTF-8
cat >"$work/run.sh" <<EOF2
#!/bin/sh
"$NATTER" $natter_conn --mouse -n alice -j '#lan' 127.0.0.1
echo "rc=\$?" >"$work/rc"
EOF2
chmod +x "$work/run.sh"
T new-session -d -s natter -x 100 -y 30 \
    "env TZ=UTC LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run.sh" ||
	fail "tmux did not start"
T set-option -t natter -g status off >/dev/null
wait_screen "joined #lan"
wait_screen "alice"

# --- bob joins; natter shows him in the nick list at the right
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "bob cannot connect"
cat <&3 >"$work/bob.log" &
peer_pid=$!
say "NICK bob"
say "USER bob 0 * :Bob"
wait_bob " 001 bob "
say "JOIN #lan"
wait_bob "JOIN :?#lan"
wait_screen "bob \(.*\) joined #lan"
wait_screen "│ ?bob *$"

# --- a UTF-8 message arrives with its HH:MM timestamp
before=$(date -u +%H:%M)
say "PRIVMSG #lan :héllo wörld 日本語 ☕ ok"
wait_screen "<bob> héllo wörld 日本語 ☕ ok"
after=$(date -u +%H:%M)
stamp=$(screen | sed -n 's/^\([0-9][0-9]:[0-9][0-9]\) <bob> héllo.*/\1/p')
[ "$stamp" = "$before" ] || [ "$stamp" = "$after" ] ||
	fail "timestamp '$stamp' is neither $before nor $after"
# mIRC formatting is rendered, never shown raw
say "PRIVMSG #lan :plain "$'\002'"bold"$'\002'" "$'\003'"4,1red"$'\003'" "$'\037'"under"$'\017'" end"
wait_screen "<bob> plain bold red under end"

# --- what alice types reaches bob; /me is an action both ways
keys -l "hello bob, ça va? ü"
keys Enter
wait_bob "PRIVMSG #lan :hello bob, ça va\? ü"
wait_screen "<alice> hello bob, ça va\? ü"
keys -l "/me dances"
keys Enter
wait_bob $'PRIVMSG #lan :\001ACTION dances\001'
wait_screen "\* alice dances"
say $'PRIVMSG #lan :\001ACTION waves back\001'
wait_screen "\* bob waves back"
keys -l "//slash is literal"
keys Enter
wait_bob "PRIVMSG #lan :/slash is literal"
keys -l "/frobnicate"
keys Enter
wait_screen "Unknown command /frobnicate"

# --- buffers: a private message opens one; Alt-n, Ctrl-N/P, /window switch
wait_screen "│@alice"
say "PRIVMSG alice :psst, private"
wait_screen " 3:bob\(1\)"
keys M-3
wait_screen "\[3:bob\]"
wait_screen "<bob> psst, private"
keys M-2
wait_screen "\[2:#lan\]"
keys C-n
wait_screen "\[3:bob\]"
keys M-Left
wait_screen "\[2:#lan\]"
keys M-Right
wait_screen "\[3:bob\]"
keys C-p
keys C-p
wait_screen "\[1:127.0.0.1\]"
keys -l "/window 2"
keys Enter
wait_screen "\[2:#lan\]"
keys -l "/topic tea time ☕"
keys Enter
wait_screen "alice changed the topic to: tea time ☕"

# --- the line editor: Ctrl-A/E, Ctrl-W, Ctrl-U/Y, wide characters
keys -l "abc"
keys C-a
keys -l "X"
wait_screen "^Xabc *$"
keys C-e
keys -l " 日本語 def"
wait_screen "^Xabc 日本語 def *$"
keys C-w
wait_screen "^Xabc 日本語 *$"
keys Left Left BSpace
wait_screen "^Xabc 日語 *$"
keys C-u	# kills back to the start of the line
wait_screen "^語 *$"
keys C-e C-u
wait_screen "^ *$"
keys C-y
wait_screen "^語 *$"
keys C-u

# --- a line longer than the screen scrolls sideways and is sent whole
long=$(printf 'w%02d-456789' $(seq 1 15))	# 150 characters
keys -l "$long"
wait_screen "w15-456789 *$"
screen_lacks "^w01-" || fail "the start of a long line should scroll out of view"
keys C-a
wait_screen "^w01-456789w02"
keys Enter
wait_bob "PRIVMSG #lan :$long"

# --- resize keeps everything, down to 40x10; the typed line survives
keys -l "draft text"
T resize-window -t natter -x 60 -y 15
until_true "a 15-row screen" test "$(screen | wc -l)" -eq 15
wait_screen "\* bob waves back"
wait_screen "^draft text"
T resize-window -t natter -x 40 -y 10
until_true "a 10-row screen" test "$(screen | wc -l)" -eq 10
wait_screen "^draft text"
wait_screen "^ {14}[0-9w-]+ *│"	# the long line, wrapped under its text
say "PRIVMSG #lan :a long line that has to wrap at forty columns with a hanging indent under the text"
wait_screen "<bob> a long line that has"
wait_screen "^ {12}[a-z]"	# continuation rows start under the text
T resize-window -t natter -x 8 -y 2	# too small: a note, and no crash
wait_screen "natter"
T resize-window -t natter -x 100 -y 30
until_true "a 30-row screen" test "$(screen | wc -l)" -eq 30
wait_screen "^draft text"
wait_screen "<bob> héllo wörld 日本語 ☕ ok"
keys C-u

# --- PageUp scrolls back; new lines do not pull the view down. A short
# window and lines two rows tall, so that few fill it: ngircd paces a
# client's input at about a line a second. 13 rows: the topic bar, 10 of
# history, the status and input lines.
T resize-window -t natter -x 100 -y 13
until_true "a 13-row screen" test "$(screen | wc -l)" -eq 13
filler=$(printf 'filler %.0s' $(seq 1 18))
for i in $(seq 1 10); do say "PRIVMSG #lan :$filler numbered line $i"; done
wait_screen "numbered line 10 "
keys PPage	# 8 rows: 4 messages
wait_screen "MORE"
screen_lacks "numbered line 10 " || fail "PageUp did not scroll"
wait_screen "numbered line 6 "
say "PRIVMSG #lan :arrives while scrolled"
wait_screen "MORE \(5 below\)"
screen_lacks "arrives while scrolled" || fail "a new line pulled the view down"
keys PPage
wait_screen "numbered line 2 "
screen_lacks "numbered line 6 " || fail "second PageUp did not scroll"
keys NPage
keys NPage
wait_screen "MORE \\(1 below\\)"
keys NPage
wait_screen "arrives while scrolled"
screen_lacks "MORE" || fail "still scrolled after PageDown"
keys Home
wait_screen "MORE"
wait_screen "alice \(.*\) joined #lan"
keys End
wait_screen "arrives while scrolled"
screen_lacks "MORE" || fail "still scrolled after End"
# The mouse wheel (X10 mouse reports: ESC [ M, button 64/65 + 32, x, y),
# natter having taken the mouse (--mouse).
keys -H 1b 5b 4d 60 21 21
wait_screen "MORE \\([0-9]+ below\\)"
keys -H 1b 5b 4d 61 21 21
until_true "the wheel to scroll back down" screen_lacks "MORE"

# --- a nick list longer than the screen scrolls (Ctrl-PageDown/Up, and
# the wheel over it); natterd only, as ngircd limits connections per address
if [ "$kind" = natterd ]; then
	for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
		exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "u$i cannot connect"
		printf 'NICK u%s\r\nUSER u 0 * :u\r\nJOIN #lan\r\n' "$i" >&$fd
	done
	wait_screen "u12 \(.*\) joined #lan"
	wait_screen "│ u08 *$"
	screen_lacks "│ u12 *$" || fail "14 nicks fit in 10 rows?"
	keys C-NPage
	wait_screen "│ u12 *$"
	screen_lacks "│@alice *$" || fail "the nick list did not scroll"
	keys C-PPage
	wait_screen "│@alice *$"
	keys -H 1b 5b 4d 61 7e 21	# wheel down at column 94, over the list
	wait_screen "│ u12 *$"
fi

# --- /quit exits 0
keys -l "/quit bye"
keys Enter
until_true "natter to exit" test -f "$work/rc"
[ "$(cat "$work/rc")" = "rc=0" ] || fail "natter exited with $(cat "$work/rc")"
wait_bob "QUIT"

# --- a nick in use gets an underscore, and natter says so
cat >"$work/run2.sh" <<EOF2
#!/bin/sh
"$NATTER" --no-tls -n bob -p $port 127.0.0.1
echo "rc=\$?" >"$work/rc2"
EOF2
chmod +x "$work/run2.sh"
T new-session -d -s natter2 -x 100 -y 30 \
    "env TZ=UTC LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run2.sh"
until_true "natter2 to say the nick is taken" \
    sh -c "'$TMUX_BIN' -L '$sock' capture-pane -p -t natter2 | grep -q 'Nickname bob is in use; trying bob_'"
until_true "natter2 to register as bob_" \
    sh -c "'$TMUX_BIN' -L '$sock' capture-pane -p -t natter2 | grep -q 'bob_ on '"
T send-keys -t natter2 -l "/quit"
T send-keys -t natter2 Enter
until_true "natter2 to exit" test -f "$work/rc2"
[ "$(cat "$work/rc2")" = "rc=0" ] || fail "natter2 exited with $(cat "$work/rc2")"
# --- natterd with a password: --password-file sends PASS; a wrong one is
# the server's ERROR on stderr and exit 69, as nothing was ever registered
if [ "$kind" = natterd ]; then
	first_pid=$server_pid
	printf 's3cret\n' >"$work/pw"
	chmod 600 "$work/pw"
	printf 'wrong\n' >"$work/badpw"
	start_natterd "$work/server2.log" --password-file "$work/pw"
	pw_pid=$server_pid
	server_pid=$first_pid
	# Two nicks: had both been carol, the wrong password's connection
	# could hold the nick for a moment and the right one become carol_.
	for pw in pw badpw; do
		nick=carol
		[ "$pw" = badpw ] && nick=dave
		cat >"$work/run-$pw.sh" <<EOF2
#!/bin/sh
"$NATTER" --no-tls -n $nick -j '#pw' -p $port --password-file "$work/$pw" 127.0.0.1 2>"$work/err-$pw"
echo "rc=\$?" >"$work/rc-$pw"
EOF2
		chmod +x "$work/run-$pw.sh"
		T new-session -d -s "$pw" -x 100 -y 30 \
		    "env LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run-$pw.sh"
	done
	until_true "carol to join with the password" \
	    sh -c "'$TMUX_BIN' -L '$sock' capture-pane -p -t pw | grep -q 'carol (.*) joined #pw'"
	T send-keys -t pw -l "/quit"
	T send-keys -t pw Enter
	until_true "the right password's natter to exit" test -f "$work/rc-pw"
	[ "$(cat "$work/rc-pw")" = "rc=0" ] || fail "natter with the password exited $(cat "$work/rc-pw")"
	until_true "the wrong password's natter to exit" test -f "$work/rc-badpw"
	[ "$(cat "$work/rc-badpw")" = "rc=69" ] ||
		fail "natter with a wrong password exited $(cat "$work/rc-badpw"), not 69"
	grep -q "127.0.0.1:$port" "$work/err-badpw" ||
		fail "wrong password: stderr does not name the server: $(cat "$work/err-badpw")"
	kill "$pw_pid" 2>/dev/null
fi
# --- accounts on natterd: --sasl that fails says so, /register logs in,
# the status line shows it, the next --sasl succeeds; /whois shows bob's
if [ "$kind" = natterd ]; then
	say "PRIVMSG NickServ :REGISTER bobpw"
	wait_bob " 900 bob "
	printf 'erinpw\n' >"$work/sasl"
	cat >"$work/run-sasl.sh" <<EOF2
#!/bin/sh
"$NATTER" --no-tls -n erin -p $main_port --sasl --sasl-password-file "$work/sasl" 127.0.0.1 2>>"$work/err-sasl"
echo "rc=\$?" >>"$work/rc-sasl"
EOF2
	chmod +x "$work/run-sasl.sh"
	acct() { T capture-pane -p -t acct | grep -Eq -- "$1"; }
	T new-session -d -s acct -x 100 -y 30 \
	    "env LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run-sasl.sh"
	until_true "a failed SASL login said ($(cat "$work/err-sasl" "$work/rc-sasl" 2>/dev/null))" \
	    acct "SASL login as erin failed: SASL authentication failed"
	until_true "erin registered without an account" acct "^ erin on natter.test"
	T send-keys -t acct -l "/register erinpw"
	T send-keys -t acct Enter
	until_true "erin logged in" acct "Logged in as erin"
	until_true "the status line to show the login" acct "^ erin \(logged in\) on"
	acct "erinpw" && fail "the password is on the screen"
	T send-keys -t acct -l "/whois bob"
	T send-keys -t acct Enter
	until_true "/whois to show bob's account" acct "  account: bob"
	T send-keys -t acct -l "/quit"
	T send-keys -t acct Enter
	until_true "natter (sasl) to exit" test -f "$work/rc-sasl"
	rm -f "$work/rc-sasl"
	T kill-session -t acct 2>/dev/null
	T new-session -d -s acct -x 100 -y 30 \
	    "env LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run-sasl.sh"
	until_true "the SASL login" acct "Logged in as erin"
	until_true "the status line after SASL" acct "^ erin \(logged in\) on"
	T send-keys -t acct -l "/quit"
	T send-keys -t acct Enter
	until_true "natter (sasl) to exit again" test -f "$work/rc-sasl"
fi
# --- SASL EXTERNAL over natterd's TLS port: bob's account lists a
# certificate, and natter presenting it with --sasl (no password) is
# logged in to bob's account under another nick
if [ "$kind" = natterd-tls ]; then
	say "PRIVMSG NickServ :REGISTER bobpw"
	wait_bob " 900 bob "
	say "PRIVMSG NickServ :CERT ADD $client_fp"
	wait_bob "added to bob's fingerprints"
	cat >"$work/run-ext.sh" <<EOF2
#!/bin/sh
"$NATTER" $natter_conn --tls-cert "$work/client.pem" --sasl -n robert 127.0.0.1 2>>"$work/err-ext"
echo "rc=\$?" >>"$work/rc-ext"
EOF2
	chmod +x "$work/run-ext.sh"
	ext() { T capture-pane -p -t ext | grep -Eq -- "$1"; }
	T new-session -d -s ext -x 100 -y 30 \
	    "env LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$work/none $work/run-ext.sh"
	until_true "the EXTERNAL login ($(cat "$work/err-ext" "$work/rc-ext" 2>/dev/null))" \
	    ext "Logged in as bob"
	until_true "the status line after EXTERNAL" ext "^ robert \(as bob\) on"
	T send-keys -t ext -l "/whois robert"
	T send-keys -t ext Enter
	until_true "/whois to show the certificate" ext "has client certificate fingerprint"
	T send-keys -t ext -l "/quit"
	T send-keys -t ext Enter
	until_true "natter (EXTERNAL) to exit" test -f "$work/rc-ext"
	[ "$(cat "$work/rc-ext")" = "rc=0" ] || fail "natter (EXTERNAL) exited $(cat "$work/rc-ext")"
fi
echo "client-$kind: ok"
exit 0
