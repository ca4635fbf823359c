"""Sentra's public interfaces read by the tools other systems use, none written here.

Run against a server (`scripts/interop.sh` starts a demo one): `python interop/check.py URL`.

- CKAN: the `ckanapi` client lists, shows and searches every dataset, its organisation and
  every resource, as a Satu Data portal's harvester would, and CKAN's refusals arrive as the
  client's own exceptions.
- DCAT-AP: `rdflib` reads the JSON-LD and the Turtle catalogue into the same graph, with the
  properties DCAT-AP 3 makes mandatory on each catalogue, dataset and distribution.
- OpenAPI: `openapi-spec-validator` accepts `/api/openapi.json`.
- iCalendar: the `icalendar` package reads the activities feed, its times in local zones and
  each event linking back to the public agenda.
- Prometheus: the client library's text parser reads `/metrics` in the classic format.
- Shared links: `extruct` (what link previews and crawlers use) reads each storefront's
  schema.org `LocalBusiness` with its address, and its telephone where it shows a WhatsApp.

Prints one line per check and exits non-zero on the first failure.
"""

import sys
import urllib.request

import re

import ckanapi
import extruct
import icalendar
import rdflib
from openapi_spec_validator import validate
from prometheus_client.parser import text_string_to_metric_families
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

BASE = sys.argv[1].rstrip("/")


def fetch(path, accept=None):
    req = urllib.request.Request(BASE + path, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.read()


def ok(what):
    print(f"ok  {what}")


def check_ckan():
    ckan = ckanapi.RemoteCKAN(BASE, user_agent="sentra-interop")
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2."), status
    names = ckan.action.package_list()
    assert len(names) >= 3, names
    orgs = ckan.action.organization_list(all_fields=True)
    assert len(orgs) == 1 and orgs[0]["package_count"] == len(names), orgs
    org = ckan.action.organization_show(id=orgs[0]["name"], include_datasets=True)
    assert len(org["packages"]) == len(names)
    resources = 0
    for name in names:
        p = ckan.action.package_show(id=name)
        assert p["name"] == name and p["license_id"] == "cc-by", p["name"]
        assert p["organization"]["name"] == orgs[0]["name"]
        for r in p["resources"]:
            assert ckan.action.resource_show(id=r["id"])["url"] == r["url"]
            resources += 1
    found = ckan.action.package_search(q="*:*", rows=1000)
    assert found["count"] == len(names) and len(found["results"]) == len(names), found["count"]
    paged = [ckan.action.package_search(rows=1, start=i)["results"][0]["name"] for i in range(len(names))]
    assert sorted(paged) == sorted(names), paged
    since = ckan.action.package_search(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")
    assert since["count"] == len(names)
    faceted = ckan.action.package_search(fq="tags:halal", **{"facet.field": '["res_format"]'})
    assert faceted["count"] == 2 and faceted["facets"]["res_format"]["CSV"] == 2, faceted
    # ckanapi posts; the same answers by GET.
    get_only = ckanapi.RemoteCKAN(BASE, get_only=True)
    assert get_only.action.package_list() == names
    try:
        ckan.action.package_show(id="tidak-ada")
        raise AssertionError("a missing dataset was found")
    except ckanapi.NotFound:
        pass
    try:
        ckan.action.package_search(rows="lima")
        raise AssertionError("rows=lima accepted")
    except ckanapi.ValidationError:
        pass
    ok(f"ckanapi: {len(names)} datasets, {resources} resources listed, shown and searched")


def check_dcat():
    g_ld = rdflib.Graph().parse(data=fetch("/data/katalog.jsonld"), format="json-ld")
    g_ttl = rdflib.Graph().parse(data=fetch("/data/katalog.ttl"), format="turtle")
    assert len(g_ld) > 100, len(g_ld)
    assert isomorphic(g_ld, g_ttl), "the JSON-LD and the Turtle differ"
    catalogs = list(g_ttl.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    mandatory = {
        DCAT.Catalog: [DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset],
        DCAT.Dataset: [DCTERMS.title, DCTERMS.description, DCAT.distribution],
        DCAT.Distribution: [DCAT.accessURL],
    }
    counts = {}
    for kind, props in mandatory.items():
        subjects = list(g_ttl.subjects(RDF.type, kind))
        counts[kind.split("#")[-1]] = len(subjects)
        for s in subjects:
            for p in props:
                assert g_ttl.value(s, p) is not None, f"{s} has no {p}"
    for ds in g_ttl.subjects(RDF.type, DCAT.Dataset):
        for p in (DCAT.contactPoint, DCAT.landingPage, DCAT.keyword, DCTERMS.temporal):
            assert g_ttl.value(ds, p) is not None, f"{ds} has no {p}"
    for agent in g_ttl.objects(None, DCTERMS.publisher):
        assert g_ttl.value(agent, FOAF.name) is not None
    ok(f"rdflib: {len(g_ttl)} triples, the same in JSON-LD and Turtle; {counts}")


def check_openapi():
    import json

    validate(json.loads(fetch("/api/openapi.json")))
    ok("openapi-spec-validator: /api/openapi.json is valid")


def check_calendar():
    cal = icalendar.Calendar.from_ical(fetch("/kegiatan/kalender.ics"))
    events = [c for c in cal.walk("VEVENT")]
    zones = {str(z.get("TZID")) for z in cal.walk("VTIMEZONE")}
    for e in events:
        start = e.decoded("DTSTART")
        assert getattr(start, "tzinfo", None) is not None, e.get("SUMMARY")
        assert e.get("UID"), e
        assert "/agenda#kegiatan-" in str(e.get("URL")), e.get("URL")
    ok(f"icalendar: {len(events)} events, zones {sorted(zones)}")


def check_metrics():
    text = fetch("/metrics", accept="text/plain;version=0.0.4").decode()
    families = list(text_string_to_metric_families(text))
    untyped = [f.name for f in families if f.type == "unknown"]
    assert families and not untyped, untyped
    ok(f"prometheus_client: {len(families)} metric families, all typed")


def check_storefronts():
    sitemap = fetch("/sitemap/toko.xml").decode()
    stores = re.findall(r"<loc>[^<]*(/toko/[^<]+)</loc>", sitemap)[:40]
    assert stores, "no storefront in the sitemap"
    with_phone = 0
    for path in stores:
        html = fetch(path).decode()
        data = extruct.extract(html, base_url=BASE + path, syntaxes=["json-ld", "opengraph"])
        shops = [d for d in data["json-ld"] if d.get("@type") == "LocalBusiness"]
        assert len(shops) == 1, (path, data["json-ld"])
        shop = shops[0]
        assert shop["name"] and shop["url"].endswith(path), shop
        assert shop["address"]["addressCountry"] == "ID" and shop["address"]["addressLocality"], shop
        if "telephone" in shop:
            assert re.fullmatch(r"\+62\d{8,13}", shop["telephone"]), shop["telephone"]
            with_phone += 1
    assert with_phone > 0, "no storefront with a telephone"
    ok(f"extruct: {len(stores)} storefronts as LocalBusiness, {with_phone} with a telephone")


for check in (check_ckan, check_dcat, check_openapi, check_calendar, check_metrics, check_storefronts):
    check()
