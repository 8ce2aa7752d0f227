"""What koopack's test servers share: serving on loopback until told to stop, and never longer."""
import os
import signal
import threading
import time


def exit_with_parent():
    """Ends the server when the test that started it is gone, however it ended."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(server, lifetime):
    """Announces `READY <port>` and serves until SIGTERM, the end of the process that started
    it, or `lifetime` seconds, whichever comes first."""
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    threading.Thread(target=exit_with_parent, daemon=True).start()
    # The test stops the server with SIGTERM; a test runner may pass on a mask that blocks it.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()
