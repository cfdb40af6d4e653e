"""irctest controller for natterd.

Used by `make irctest` (Makefile.am), which puts this directory on
PYTHONPATH and passes `--controller natterd`; $NATTERD names the binary.
natterd takes everything on its command line, so the "configuration"
is a password file and an operator file in a temporary directory.
Its services are built in (NickServ, SASL PLAIN): run_services needs
nothing more, and registerUser registers through NickServ as a user would.
make irctest leaves the services-marked tests out; to run them:

	IRCTEST_DIR=... make irctest IRCTEST_ARGS="-m services"

(pytest takes the last -m). A configuration natterd does not have
(registration that requires an email) is skipped; registration before
connect is always allowed, so the test that wants it refused fails.
"""
import os
import shutil
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

try:
    from irctest.specifications import OptionalBehaviors

    # Fail, rather than skip, the tests of what natterd claims to do.
    OPTIONAL = frozenset(
        [
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_KICK,
            OptionalBehaviors.MULTI_PRIVMSG,
        ]
    )
except ImportError:  # irctest before 2026-01-27 (Debian 12's pytest 7)
    OPTIONAL = frozenset()


class NatterdController(BaseServerController, DirectoryBasedController):
    software_name = "natterd"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False

    optional_behaviors = OPTIONAL

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str] = None,
        websocket_port: Optional[int] = None,
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        if getattr(self.test_config, "account_registration_requires_email",
                   False):
            raise NotImplementedByController("email verification")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory

        opers = self.directory / "opers"
        with self.open_file("opers") as fd:
            fd.write("operuser operpassword\n")
        os.chmod(opers, 0o600)
        args = [
            os.environ.get("NATTERD", "natterd"),
            "--listen", "{}:{}".format(hostname, port),
            # No TLS port: 6697 may be anyone's on a shared machine.
            "--tls-listen", "none",
            "--name", "My.Little.Server",
            "--db", "none",
            "--flood", "off",
            # irctest's clients all come from loopback: past the
            # per-address connection limits, as natterd's own tests.
            "--trust", "127.0.0.0/8",
            "--replay", "0",
            "--oper-file", str(opers),
        ]
        if password is not None:
            with self.open_file("password") as fd:
                fd.write(password + "\n")
            os.chmod(self.directory / "password", 0o600)
            args += ["--password-file", str(self.directory / "password")]

        env = dict(os.environ)
        if faketime and shutil.which("faketime"):
            # Only the wall clock runs fast (LIST's C and T filters);
            # natterd's timers keep the real monotonic clock. A sanitizer
            # build tolerates libfaketime preloaded before its runtime.
            args = ["faketime", "-f", faketime] + args
            env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
            env["ASAN_OPTIONS"] = ":".join(
                filter(None, [env.get("ASAN_OPTIONS"), "verify_asan_link_order=0"])
            )
            self.faketime_enabled = True

        self.proc = self.execute(args, env=env)


    def wait_for_services(self) -> None:
        """Built in: up as soon as natterd is."""

    def registerUser(self, case, username: str,
                     password: Optional[str] = None) -> None:
        """An account for username through NickServ, as a user makes one."""
        assert password
        client = case.addClient(show_io=False)
        case.sendLine(client, "NICK " + username)
        case.sendLine(client, "USER r e g :user")
        while case.getRegistrationMessage(client).command != "001":
            pass
        case.getMessages(client)
        case.sendLine(client, "PRIVMSG NickServ :REGISTER " + password)
        while True:
            msg = case.getMessage(client)
            if msg.command == "NOTICE":
                break
        assert msg.params[-1] == "Account {} registered".format(username), msg
        case.sendLine(client, "QUIT")
        case.assertDisconnected(client)


def get_irctest_controller_class() -> Type[NatterdController]:
    return NatterdController
