# A listener that is replaced the way Caddy replaces its admin endpoint at a config change: on "swap" (a line on
# its control port) it closes, which resets the connections queued on it and not yet accepted, listens again on
# the same port, then answers "ok" and serves every request with 200 "{}". Prints "<port> <control port>".
# Written in Python because Node accepts every connection at once: none would be left queued to reset.
import socket
import threading


def listen(port=0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def serve(listener):
    while True:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        conn.close()


old = listen()
port = old.getsockname()[1]
control = listen()
print(port, control.getsockname()[1], flush=True)
while True:
    conn, _ = control.accept()
    conn.recv(16)
    old.close()
    threading.Thread(target=serve, args=(listen(port),), daemon=True).start()
    conn.sendall(b"ok")
    conn.close()
