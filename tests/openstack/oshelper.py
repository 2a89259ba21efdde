#!/usr/bin/python3
"""tests/openstack/oshelper.py --- the Python half of up.sh.

  oshelper.py logsink SOCKET LOGFILE
      A syslog sink on a local datagram socket, for Swift (which otherwise
      falls back to a UDP socket on 0.0.0.0); appends what it gets to
      LOGFILE.  Runs in the foreground until SIGTERM.
  oshelper.py rings SWIFT_DIR ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT
      account, container and object rings: 1 replica, one device "d1",
      part power 6, in SWIFT_DIR.
  oshelper.py fernet KEY_DIR
      a fernet key repository (staged key 0 and primary key 1), what
      "keystone-manage fernet_setup" makes, without its 2 s start-up.
  oshelper.py keystone-setup STATE_DIR
      through Keystone's API (stdlib HTTP only, one connection per request):
      the service project and its swift/glance users, the demo
      project/user, services and endpoints for object-store and image,
      an application credential for demo; then env*.sh and clouds.yaml.
      Parameters come from the environment (FGOS_*), set by up.sh.
"""
import base64
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request


def logsink(path, logfile):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(logfile, "ab", buffering=0) as out:
        while True:
            data = s.recv(65536)
            # "<PRI>name: message" (no trailing newline; a NUL at times)
            data = data.rstrip(b"\0\n")
            if data.startswith(b"<"):
                end = data.find(b">")
                if 0 < end < 5:
                    data = data[end + 1:]
            out.write(time.strftime("%H:%M:%S ").encode() + data + b"\n")


def rings(swift_dir, aport, cport, oport):
    from swift.common.ring import RingBuilder
    for name, port in (("account", aport), ("container", cport),
                       ("object", oport)):
        b = RingBuilder(6, 1, 1)
        b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1",
                   "port": int(port), "replication_ip": "127.0.0.1",
                   "replication_port": int(port), "device": "d1",
                   "weight": 100.0, "meta": ""})
        b.rebalance()
        b.save(os.path.join(swift_dir, name + ".builder"))
        b.get_ring().save(os.path.join(swift_dir, name + ".ring.gz"))


def fernet(key_dir):
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    for n in ("0", "1"):
        p = os.path.join(key_dir, n)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, base64.urlsafe_b64encode(os.urandom(32)))
        os.close(fd)


class Keystone:
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.token = None

    def call(self, method, path, body=None, token=None, want=(200, 201, 204)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Connection", "close")
        tok = token or self.token
        if tok:
            req.add_header("X-Auth-Token", tok)
        for attempt in range(5):
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    raw = r.read()
                    status, headers = r.status, r.headers
                break
            except urllib.error.HTTPError as e:
                raw, status, headers = e.read(), e.code, e.headers
                if status not in (500, 503) or attempt == 4:
                    break
            except (ConnectionError, urllib.error.URLError):
                if attempt == 4:
                    raise
            time.sleep(0.5)
        if status not in want:
            sys.exit("keystone-setup: %s %s answered %d: %s"
                     % (method, path, status, raw[:500].decode("utf-8", "replace")))
        return status, headers, (json.loads(raw) if raw.strip() else None)

    def password_token(self, user, password, project):
        body = {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"id": "default"},
                     "password": password}}},
            "scope": {"project": {"name": project,
                                  "domain": {"id": "default"}}}}}
        _, h, _ = self.call("POST", "/v3/auth/tokens", body, want=(201,))
        return h["X-Subject-Token"]

    def find(self, kind, key, name, query=""):
        _, _, d = self.call("GET", "/v3/%s?name=%s%s" % (kind, name, query))
        items = d[kind]
        return items[0]["id"] if items else None

    def ensure(self, kind, key, name, attrs, query=""):
        """The id of the KIND named NAME, made with ATTRS if absent."""
        i = self.find(kind, key, name, query)
        if i:
            return i
        body = dict(attrs, name=name)
        _, _, d = self.call("POST", "/v3/" + kind, {key: body})
        return d[key]["id"]


def write_secret(path, text):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, text.encode())
    os.close(fd)
    os.rename(path + ".tmp", path)


def sh_exports(pairs):
    def q(v):
        return "'" + str(v).replace("'", "'\\''") + "'"
    return "".join("export %s=%s\n" % (k, q(v)) for k, v in pairs)


def keystone_setup(state):
    e = os.environ
    kurl, purl, gurl = e["FGOS_KEYSTONE_URL"], e["FGOS_SWIFT_URL"], e["FGOS_GLANCE_URL"]
    region = e["FGOS_REGION"]
    admin_pw, demo_pw = e["FGOS_ADMIN_PASSWORD"], e["FGOS_DEMO_PASSWORD"]
    svc_pw = e["FGOS_SERVICE_PASSWORD"]
    ks = Keystone(kurl)
    ks.token = ks.password_token("admin", admin_pw, "admin")

    role = {r["name"]: r["id"] for r in ks.call("GET", "/v3/roles")[2]["roles"]}
    for name in ("member", "reader", "ResellerAdmin"):
        if name not in role:
            role[name] = ks.call("POST", "/v3/roles",
                                 {"role": {"name": name}})[2]["role"]["id"]
    dom = {"domain_id": "default"}
    service = ks.ensure("projects", "project", "service", dict(dom, description="services"))
    demo = ks.ensure("projects", "project", "demo", dict(dom, description="fg2ng tests"))
    users = {}
    for name, pw, project, roles in (
            ("swift", svc_pw, service, ("admin",)),
            ("glance", svc_pw, service, ("admin",)),
            ("demo", demo_pw, demo, ("member", "reader"))):
        users[name] = ks.ensure("users", "user", name,
                                dict(dom, password=pw, default_project_id=project))
        for r in roles:
            ks.call("PUT", "/v3/projects/%s/users/%s/roles/%s"
                    % (project, users[name], role[r]))

    for sname, stype, url in (("swift", "object-store", purl + "/v1/AUTH_%(project_id)s"),
                              ("glance", "image", gurl)):
        _, _, d = ks.call("GET", "/v3/services?type=" + stype)
        if d["services"]:
            sid = d["services"][0]["id"]
        else:
            sid = ks.call("POST", "/v3/services", {"service": {
                "name": sname, "type": stype, "enabled": True}})[2]["service"]["id"]
        _, _, d = ks.call("GET", "/v3/endpoints?service_id=" + sid)
        have = {ep["interface"] for ep in d["endpoints"]}
        for iface in ("public", "internal", "admin"):
            if iface not in have:
                ks.call("POST", "/v3/endpoints", {"endpoint": {
                    "service_id": sid, "interface": iface, "url": url,
                    "region_id": region, "enabled": True}})

    # The application credential belongs to demo and is made with demo's
    # own token, scoped to the demo project.
    demo_token = ks.password_token("demo", demo_pw, "demo")
    _, _, d = ks.call("GET", "/v3/users/%s/application_credentials?name=fg-test"
                      % users["demo"], token=demo_token)
    for ac in d["application_credentials"]:
        ks.call("DELETE", "/v3/users/%s/application_credentials/%s"
                % (users["demo"], ac["id"]), token=demo_token)
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
    _, _, d = ks.call("POST", "/v3/users/%s/application_credentials" % users["demo"],
                      {"application_credential": {
                          "name": "fg-test", "secret": secret,
                          "description": "fg2ng tests"}}, token=demo_token)
    ac_id = d["application_credential"]["id"]

    auth_url = kurl + "/v3"
    common = [("OS_AUTH_URL", auth_url), ("OS_IDENTITY_API_VERSION", "3"),
              ("OS_REGION_NAME", region), ("OS_INTERFACE", "public")]
    pw_env = [("OS_AUTH_TYPE", "password"), ("OS_USERNAME", "demo"),
              ("OS_PASSWORD", demo_pw), ("OS_PROJECT_NAME", "demo"),
              ("OS_USER_DOMAIN_NAME", "Default"), ("OS_PROJECT_DOMAIN_NAME", "Default")]
    st_env = [("ST_AUTH", purl + "/auth/v1.0"), ("ST_USER", "test:tester"),
              ("ST_KEY", e["FGOS_TEMPAUTH_KEY"])]
    head = "# made by tests/openstack/up.sh; secrets: keep this file private\n"
    write_secret(os.path.join(state, "env-os.sh"), head + sh_exports(common + pw_env))
    write_secret(os.path.join(state, "env-st.sh"), head + sh_exports(st_env))
    write_secret(os.path.join(state, "env.sh"), head +
                 "# Note: python-swiftclient prefers ST_AUTH over OS_AUTH_URL when\n"
                 "# both are set; env-os.sh and env-st.sh hold each half alone.\n" +
                 sh_exports(common + pw_env + st_env))
    write_secret(os.path.join(state, "env-admin.sh"), head + sh_exports(
        common + [("OS_AUTH_TYPE", "password"), ("OS_USERNAME", "admin"),
                  ("OS_PASSWORD", admin_pw), ("OS_PROJECT_NAME", "admin"),
                  ("OS_USER_DOMAIN_NAME", "Default"),
                  ("OS_PROJECT_DOMAIN_NAME", "Default")]))
    write_secret(os.path.join(state, "env-appcred.sh"), head + sh_exports(
        common + [("OS_AUTH_TYPE", "v3applicationcredential"),
                  ("OS_APPLICATION_CREDENTIAL_ID", ac_id),
                  ("OS_APPLICATION_CREDENTIAL_SECRET", secret)]))
    # Not secrets: where things are, for tests.
    with open(os.path.join(state, "harness.sh"), "w") as f:
        f.write("# made by tests/openstack/up.sh: addresses and ids\n" + sh_exports([
            ("FGOS_KEYSTONE_URL", kurl), ("FGOS_SWIFT_URL", purl),
            ("FGOS_GLANCE_URL", gurl), ("FGOS_MEMCACHED", e["FGOS_MEMCACHED"]),
            ("FGOS_REGION", region),
            ("FGOS_DEMO_PROJECT_ID", demo), ("FGOS_DEMO_USER_ID", users["demo"]),
            ("FGOS_DEMO_STORAGE_URL", "%s/v1/AUTH_%s" % (purl, demo)),
            ("FGOS_TEMPAUTH_STORAGE_URL", purl + "/v1/TEMP_test"),
            ("FGOS_APPCRED_ID", ac_id)]))

    def cloud(name, auth_type, auth):
        lines = ["  %s:" % name, "    auth_type: %s" % auth_type, "    auth:",
                 "      auth_url: %s" % auth_url]
        lines += ["      %s: %s" % (k, json.dumps(v)) for k, v in auth]
        lines += ["    region_name: %s" % region, "    interface: public",
                  "    identity_api_version: 3"]
        return "\n".join(lines) + "\n"
    pw_auth = lambda u, p, proj: [("username", u), ("password", p),
                                  ("project_name", proj),
                                  ("user_domain_name", "Default"),
                                  ("project_domain_name", "Default")]
    write_secret(os.path.join(state, "clouds.yaml"),
                 "# made by tests/openstack/up.sh\nclouds:\n"
                 + cloud("fg-test", "password", pw_auth("demo", demo_pw, "demo"))
                 + cloud("fg-appcred", "v3applicationcredential",
                         [("application_credential_id", ac_id),
                          ("application_credential_secret", secret)])
                 + cloud("fg-admin", "password", pw_auth("admin", admin_pw, "admin")))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "logsink" and len(args) == 2:
        logsink(*args)
    elif cmd == "rings" and len(args) == 4:
        rings(*args)
    elif cmd == "fernet" and len(args) == 1:
        fernet(*args)
    elif cmd == "keystone-setup" and len(args) == 1:
        keystone_setup(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
