"""Supply-chain artifacts as the real tools write them, and a registry
front that adds the OCI 1.1 referrers API.

The shapes follow the tools' own specifications:
  - cosign (sigstore/cosign specs/SIGNATURE_SPEC.md, ATTESTATION_SPEC.md,
    SBOM_SPEC.md): the tag is the subject digest with ':' -> '-' plus
    .sig / .att / .sbom; one manifest per subject, one layer per
    signature (simplesigning payload, annotation
    dev.cosignproject.cosign/signature), attestation (DSSE envelope,
    annotation predicateType) or SBOM (media type of the format); a new
    signature or attestation is appended as a layer to the same tag;
  - cosign bundles as OCI 1.1 referrers (specs/BUNDLE_SPEC.md):
    artifactType application/vnd.dev.sigstore.bundle.v0.3+json, empty
    config, subject, annotations dev.sigstore.bundle.content /
    .predicateType; without a referrers API the client keeps the fallback
    tag sha256-<hex> (read-modify-write index);
  - buildx attestation manifests inside the index (world.push_index with
    an SBOM added here: moby/buildkit docs/attestations/attestation-storage.md).

    import supplychain as sc
    sc.cosign_sign(reg, repo, digest)
    sc.cosign_attest(reg, repo, digest, sc.SLSA_V1)
    sc.cosign_attach_sbom(reg, repo, digest)
    sc.referrer(reg, repo, digest, sc.BUNDLE, fallback=True)
    with sc.ReferrersRegistry(reg) as front: front.host ...
"""
import base64
import json
import re
import threading

import world

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
INTOTO = "application/vnd.in-toto+json"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
EMPTY = "application/vnd.oci.empty.v1+json"
SPDX_JSON = "text/spdx+json"
SPDX_ARTIFACT = "application/spdx+json"
CYCLONEDX_JSON = "application/vnd.cyclonedx+json"
SPDX_PRED = "https://spdx.dev/Document"
CYCLONEDX_PRED = "https://cyclonedx.org/bom"
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
VULN_PRED = "https://cosign.sigstore.dev/attestation/vuln/v1"

FAKE_SIG = "MEUCIQDrK0lJbHl3b1pSdXhKSnlVZk5uT0xYbWlmT0ZzbmRvYmhBb2kCIBkzQQ=="
FAKE_CERT = ("-----BEGIN CERTIFICATE-----\nMIICrjCCAjSgAwIBAgIUAM4mURWUSkg0"
             "6fmHmFfTmerYKaUwCgYIKoZIzj0EAwMw\n-----END CERTIFICATE-----\n")


def _canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sig_tag(digest, suffix):
    """cosign: sha256:<hex> -> sha256-<hex><suffix>."""
    return digest.replace(":", "-") + suffix


def _cosign_config(layers_data):
    return _canon({"architecture": "", "created": "0001-01-01T00:00:00Z",
                   "history": [{"created": "0001-01-01T00:00:00Z"}],
                   "os": "", "config": {},
                   "rootfs": {"type": "layers",
                              "diff_ids": [world.sha256(d)
                                           for d in layers_data]}})


def _append_layer(reg, repo, tag, layer_mt, data, ann):
    """cosign's append: the tag's manifest gains one layer."""
    c = world._client(reg)
    got = c.get_manifest(repo, tag)
    layers = []
    if got is not None:
        old = json.loads(got[0])
        layers = old.get("layers", [])
    ld = c.push_blob(repo, data)
    e = {"mediaType": layer_mt, "size": len(data), "digest": ld}
    if ann:
        e["annotations"] = ann
    layers.append(e)
    datas = [world.blob(c, repo, l["digest"]) for l in layers]
    cfg = _cosign_config(datas)
    cd = c.push_blob(repo, cfg)
    man = {"schemaVersion": 2, "mediaType": world.OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "size": len(cfg), "digest": cd},
           "layers": layers}
    body = json.dumps(man).encode()
    c.put_manifest(repo, tag, body, world.OCI_MANIFEST)
    return world.sha256(body)


def cosign_sign(reg, repo, digest, host=None):
    """`cosign sign --yes image@digest` (keyless): the .sig tag."""
    payload = _canon({"critical": {
        "identity": {"docker-reference": "%s/%s" % (host or "registry",
                                                    repo)},
        "image": {"docker-manifest-digest": digest},
        "type": "cosign container image signature"}, "optional": None})
    bundle = json.dumps({"SignedEntryTimestamp": "MEUCIQ==", "Payload": {
        "body": "e30=", "integratedTime": 1767225600, "logIndex": 1,
        "logID": "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b"
                 "9591801d"}})
    return _append_layer(reg, repo, sig_tag(digest, ".sig"), SIMPLESIGNING,
                         payload, {"dev.cosignproject.cosign/signature":
                                   FAKE_SIG,
                                   "dev.sigstore.cosign/certificate":
                                   FAKE_CERT,
                                   "dev.sigstore.cosign/chain": FAKE_CERT,
                                   "dev.sigstore.cosign/bundle": bundle})


def _statement(repo, digest, predicate_type, predicate):
    return _canon({"_type": "https://in-toto.io/Statement/v0.1",
                   "predicateType": predicate_type,
                   "subject": [{"name": repo,
                                "digest": {"sha256": digest.split(":")[1]}}],
                   "predicate": predicate})


def cosign_attest(reg, repo, digest, predicate_type,
                  predicate=None):
    """`cosign attest --type ... image@digest`: a DSSE layer on .att."""
    stmt = _statement(repo, digest, predicate_type, predicate or {})
    env = _canon({"payloadType": INTOTO,
                  "payload": base64.b64encode(stmt).decode(),
                  "signatures": [{"keyid": "", "sig": FAKE_SIG}]})
    return _append_layer(reg, repo, sig_tag(digest, ".att"), DSSE, env,
                         {"predicateType": predicate_type,
                          "dev.sigstore.cosign/certificate": FAKE_CERT,
                          "dev.cosignproject.cosign/signature": ""})


def cosign_attach_sbom(reg, repo, digest, media_type=SPDX_JSON):
    """`cosign attach sbom --sbom f --type spdx image@digest`: .sbom."""
    doc = _canon({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
                  "name": repo, "packages": []})
    c = world._client(reg)
    ld = c.push_blob(repo, doc)
    cfg = _cosign_config([doc])
    cd = c.push_blob(repo, cfg)
    man = {"schemaVersion": 2, "mediaType": world.OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "size": len(cfg), "digest": cd},
           "layers": [{"mediaType": media_type, "size": len(doc),
                       "digest": ld}]}
    body = json.dumps(man).encode()
    return c.put_manifest(repo, sig_tag(digest, ".sbom"), body,
                          world.OCI_MANIFEST)


def referrer(reg, repo, subject, artifact_type, predicate_type=None,
             fallback=False, subject_media=None):
    """An OCI 1.1 artifact with `subject`, pushed by digest (as cosign's
    bundle format, oras attach, notation). fallback: also keep the
    fallback tag sha256-<hex> as a client does when the registry has no
    referrers API. Returns the artifact's manifest digest."""
    c = world._client(reg)
    ed = c.push_blob(repo, b"{}")
    if artifact_type == BUNDLE:
        content = "dsse-envelope" if predicate_type else "message-signature"
        blob = _canon({"mediaType": BUNDLE, "verificationMaterial": {},
                       content == "dsse-envelope" and "dsseEnvelope" or
                       "messageSignature": {}})
        ann = {"dev.sigstore.bundle.content": content,
               "org.opencontainers.image.created": "2026-11-01T10:00:00Z"}
        if predicate_type:
            ann["dev.sigstore.bundle.predicateType"] = predicate_type
        layer_mt = BUNDLE
    else:
        blob = _canon({"artifact": artifact_type, "subject": subject})
        ann = {"org.opencontainers.image.created": "2026-11-01T10:00:00Z"}
        if predicate_type:
            ann["in-toto.io/predicate-type"] = predicate_type
        layer_mt = artifact_type
    bd = c.push_blob(repo, blob)
    got = c.get_manifest(repo, subject)
    if got is None:
        raise world.WorldError("subject %s not in %s" % (subject, repo))
    man = {"schemaVersion": 2, "mediaType": world.OCI_MANIFEST,
           "artifactType": artifact_type,
           "config": {"mediaType": EMPTY, "digest": ed, "size": 2},
           "layers": [{"mediaType": layer_mt, "digest": bd,
                       "size": len(blob),
                       "annotations": {"org.opencontainers.image.title":
                                       subject.replace(":", "-") +
                                       ".sigstore.json"}}],
           "subject": {"mediaType": subject_media or got[1],
                       "digest": subject, "size": len(got[0])},
           "annotations": ann}
    body = json.dumps(man).encode()
    d = world.sha256(body)
    c.put_manifest(repo, d, body, world.OCI_MANIFEST)
    if fallback:
        tag = subject.replace(":", "-")
        old = c.get_manifest(repo, tag)
        idx = json.loads(old[0]) if old else {
            "schemaVersion": 2, "mediaType": world.OCI_INDEX,
            "manifests": []}
        idx["manifests"].append({"mediaType": world.OCI_MANIFEST,
                                 "digest": d, "size": len(body),
                                 "artifactType": artifact_type,
                                 "annotations": ann})
        data = json.dumps(idx).encode()
        c.put_manifest(repo, tag, data, world.OCI_INDEX)
    return d


def push_index_with_sbom(reg, repo, tag, children):
    """An index as buildx --sbom=true --provenance=mode=max writes it: per
    child one attestation manifest holding an SPDX and a SLSA statement."""
    c = world._client(reg)
    entries, attest = [], []
    for digest, arch in children:
        body, ct, _ = c.get_manifest(repo, digest)
        entries.append({"mediaType": ct, "digest": digest,
                        "size": len(body),
                        "platform": {"architecture": arch, "os": "linux"}})
        sbom = _statement(repo, digest, SPDX_PRED, {"spdxVersion": "SPDX-2.3"})
        prov = _statement(repo, digest, SLSA_V02,
                          {"buildType": "https://mobyproject.org/buildkit@v1"})
        cfg = _canon({"architecture": "unknown", "os": "unknown",
                      "config": {}, "rootfs": {"type": "layers", "diff_ids": [
                          world.sha256(sbom), world.sha256(prov)]}})
        ad = world._push_manifest(
            c, repo, None, world.OCI_MANIFEST, world.ATTEST_CONFIG, cfg,
            [(INTOTO, sbom, {"in-toto.io/predicate-type": SPDX_PRED}),
             (INTOTO, prov, {"in-toto.io/predicate-type": SLSA_V02})])
        ab = c.get_manifest(repo, ad)[0]
        attest.append({"mediaType": world.OCI_MANIFEST, "digest": ad,
                       "size": len(ab),
                       "annotations": {
                           "vnd.docker.reference.digest": digest,
                           "vnd.docker.reference.type":
                               "attestation-manifest"},
                       "platform": {"architecture": "unknown",
                                    "os": "unknown"}})
    idx = {"schemaVersion": 2, "mediaType": world.OCI_INDEX,
           "manifests": entries + attest}
    data = json.dumps(idx, indent=2).encode()
    return c.put_manifest(repo, tag, data, world.OCI_INDEX)


class ReferrersRegistry(world._Proxy):
    """A front for a registry that adds GET /v2/<name>/referrers/<digest>
    (OCI distribution-spec 1.1): every manifest PUT with a `subject`
    through this front is indexed, its descriptor carrying artifactType
    (else the config's mediaType) and the manifest's annotations; a PUT
    with a subject answers OCI-Subject. `?artifactType=` filters and is
    echoed in OCI-Filters-Applied. Nothing refers: an empty index (never
    404). self.referrers_requests counts the calls.

    etag=True: each answer carries a strong ETag (the body's digest) and a
    request whose If-None-Match names it is answered 304 with no body, as
    an HTTP cache in front of a registry (or Harbor, zot) does;
    self.referrers_log holds (had If-None-Match, status, body bytes) per
    call."""

    _REF = re.compile(r"^/v2/(.+)/referrers/(sha256:[0-9a-f]{64})$")
    _MAN = re.compile(r"^/v2/(.+)/manifests/([^/]+)$")

    def __init__(self, upstream, etag=False):
        self.upstream = upstream
        self.etag = etag
        self.referrers_log = []
        self.index = {}
        self.referrers_requests = 0
        self.ilock = threading.Lock()
        super().__init__(upstream.url)

    @property
    def credentials(self):
        return getattr(self.upstream, "credentials", None)

    def handle(self, h, method, path, headers, body):
        import urllib.parse
        u = urllib.parse.urlsplit(path)
        m = self._REF.match(u.path)
        if m and method == "GET":
            with self.ilock:
                self.referrers_requests += 1
                descs = list(self.index.get((m.group(1), m.group(2)), []))
            q = urllib.parse.parse_qs(u.query)
            hdrs = [("Content-Type", world.OCI_INDEX),
                    ("Docker-Distribution-Api-Version", "registry/2.0")]
            if "artifactType" in q:
                descs = [d for d in descs
                         if d.get("artifactType") in q["artifactType"]]
                hdrs.append(("OCI-Filters-Applied", "artifactType"))
            data = json.dumps(
                {"schemaVersion": 2, "mediaType": world.OCI_INDEX,
                 "manifests": descs}).encode()
            inm = headers.get("If-None-Match")
            status = 200
            if self.etag:
                tag = '"%s"' % world.sha256(data)
                hdrs.append(("ETag", tag))
                if inm is not None and tag in [t.strip() for t in
                                               inm.split(",")]:
                    status, data = 304, b""
            with self.ilock:
                self.referrers_log.append((inm is not None, status,
                                           len(data)))
            return status, hdrs, data
        status, rh, data = self.forward(method, path, headers, body)
        mm = self._MAN.match(u.path)
        if mm and method == "PUT" and status == 201 and body:
            try:
                man = json.loads(body)
            except ValueError:
                man = None
            subj = isinstance(man, dict) and man.get("subject")
            if isinstance(subj, dict) and "digest" in subj:
                d = world.sha256(body)
                desc = {"mediaType": man.get("mediaType",
                                             world.OCI_MANIFEST),
                        "digest": d, "size": len(body),
                        "artifactType": man.get("artifactType") or
                        man.get("config", {}).get("mediaType")}
                if man.get("annotations"):
                    desc["annotations"] = man["annotations"]
                with self.ilock:
                    lst = self.index.setdefault((mm.group(1),
                                                 subj["digest"]), [])
                    if all(x["digest"] != d for x in lst):
                        lst.append(desc)
                rh = list(rh) + [("OCI-Subject", subj["digest"])]
        return status, rh, data


class RecordedRegistry(world._Proxy):
    """A read-only registry serving objects recorded from a real one (the
    shared real-traffic recordings, e.g. reg-alpine-3.23.2.json: Docker
    Hub's library/alpine index, its 8 images and 8 buildx attestation
    manifests, its configs), under repo, with tags {tag: digest}. Manifests
    and blobs by digest as recorded (Docker-Content-Digest, the recorded
    media type); the referrers endpoint answers 404 as Docker Hub and GHCR
    do; anything else recorded nowhere is 404. Nothing can be written."""

    def __init__(self, recording, repo, tags):
        with open(recording) as f:
            rec = json.load(f)
        self.objects = rec["objects"]
        self.repo = repo
        self.tag_map = dict(tags)
        super().__init__("http://127.0.0.1:9")

    def _error(self, status, code):
        return status, [("Content-Type", "application/json"),
                        ("Docker-Distribution-Api-Version", "registry/2.0")], \
            json.dumps({"errors": [{"code": code, "message": code.lower()}]}
                       ).encode()

    def handle(self, h, method, path, headers, body):
        import urllib.parse
        p = urllib.parse.urlsplit(path).path
        api = [("Docker-Distribution-Api-Version", "registry/2.0")]
        if method not in ("GET", "HEAD"):
            return self._error(405, "UNSUPPORTED")
        if p in ("/v2/", "/v2"):
            return 200, api + [("Content-Type", "application/json")], b"{}"
        prefix = "/v2/%s/" % self.repo
        if not p.startswith(prefix):
            return self._error(404, "NAME_UNKNOWN")
        rest = p[len(prefix):]
        if rest == "tags/list":
            return 200, api + [("Content-Type", "application/json")], \
                json.dumps({"name": self.repo,
                            "tags": sorted(self.tag_map)}).encode()
        kind, _, ref = rest.partition("/")
        if kind == "referrers":
            return self._error(404, "NOT_FOUND")
        digest = self.tag_map.get(ref, ref)
        obj = self.objects.get(digest)
        if obj is None or kind not in ("manifests", "blobs"):
            return self._error(404, "MANIFEST_UNKNOWN" if kind ==
                               "manifests" else "BLOB_UNKNOWN")
        data = obj["text"].encode()
        ct = obj.get("mediaType") or "application/octet-stream"
        if kind == "blobs":
            ct = "application/octet-stream"
        return 200, api + [("Content-Type", ct),
                           ("Docker-Content-Digest", digest),
                           ("Content-Length", str(len(data)))], \
            (data if method == "GET" else b"")
