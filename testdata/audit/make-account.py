#!/usr/bin/env python3
"""Writes a seller account's IMS image lists for `koopack audit`, and what the audit must say.

    python3 make-account.py                 # the committed fixture, into this directory
    python3 make-account.py --out DIR       # the same fixture into DIR
    python3 make-account.py --large 10000 --out DIR
                                            # a large account (8 region files) for benchmarks

The fixture is one file per region, shaped like the response of GET /v2/cloudimages as the
Huawei Cloud CLI saves it (`hcloud IMS ListImages --cli-region=... > images-<region>.json`):
images-ap-southeast-3.json and images-la-south-2.json are {"images": [...]}, images-af-south-1.json
is a bare JSON array. released-list.txt is the seller's --released-list. expected-audit.json holds
the state each image must get, written here from each image's intent (the EXPECT column below),
never from koopack's output.

Stdlib only. Output is deterministic: IDs are UUIDv5 of the image's name.
"""
import argparse
import json
import os
import random
import uuid

NS = uuid.UUID("6f1c2b5e-3d4a-4e8b-9c7d-0a1b2c3d4e5f")


def image_id(name):
    return str(uuid.uuid5(NS, "image:" + name))


def project(name):
    return uuid.uuid5(NS, "project:" + name).hex  # 32 hex digits, like IMS owner IDs


SELLER = project("seller")
PARTNER = project("partner")
HUAWEI = project("huawei-public-images")
MARKET_VENDOR = project("market-vendor")

WORDPRESS_PRODUCT = "OFFI454488918838128640"  # bought on KooGallery, not the seller's
ERP_PRODUCT = "OFFI561230984471552000"        # an off-shelf KooGallery product
SHOP_PRODUCT = "OFFI702314569812345678"       # the seller's own released product
CRM_PRODUCT = "OFFI733019284756102938"        # a product code the seller never released
MISSING_PARENT = str(uuid.uuid5(NS, "image:deleted-golden-build"))


def public_id(region):
    """The ID of the public Ubuntu 22.04 image in `region` (public images differ per region)."""
    return image_id("Ubuntu 22.04 server 64bit@" + region)


def base(name, region, created, **over):
    """A private system disk image as IMS lists it, made from an ECS on the region's public image."""
    iid = over.pop("id", None) or image_id(name)
    img = {
        "id": iid,
        "name": name,
        "owner": SELLER,
        "status": "active",
        "visibility": "private",
        "__imagetype": "private",
        "protected": False,
        "__isregistered": "true",
        "__platform": "Ubuntu",
        "__os_type": "Linux",
        "__os_version": "Ubuntu 22.04 server 64bit",
        "__os_bit": "64",
        "__support_kvm": "true",
        "__image_source_type": "uds",
        "__image_size": "3221225472",
        "size": 0,
        "min_disk": 40,
        "min_ram": 1024,
        "disk_format": "zvhd2",
        "container_format": "bare",
        "virtual_env_type": "FusionCompute",
        "__whole_image": False,
        "__backup_id": "",
        "__system_support_market": True,
        "__productcode": "",
        "__originalimagename": public_id(region),
        "__data_origin": "instance," + str(uuid.uuid5(NS, "ecs:" + name)),
        "__root_origin": "",
        "__lazyloading": "true",
        "hw_firmware_type": "bios",
        "enterprise_project_id": "0",
        "tags": [],
        "created_at": created,
        "updated_at": created,
        "file": "/v2/images/%s/file" % iid,
        "self": "/v2/images/%s" % iid,
        "schema": "/v2/schemas/image",
    }
    img.update(over)
    return img


# (region, image, EXPECT: state, lineage root name or None, notes expected: "loop"/"missing-parent")
ACCOUNT = []


def add(region, img, state, root=None, notes=()):
    ACCOUNT.append((region, img, state, root, list(notes)))


R_SG, R_JNB, R_SCL = "ap-southeast-3", "af-south-1", "la-south-2"

# --- AP-Singapore -----------------------------------------------------------------------------
add(R_SG, base("Ubuntu 22.04 server 64bit", R_SG, "2023-05-04T02:11:09Z", id=public_id(R_SG), owner=HUAWEI,
               visibility="public", __imagetype="gold", protected=True, __originalimagename="",
               __data_origin="", min_disk=40), "public")
add(R_SG, base("wordpress-6-lamp", R_SG, "2023-11-20T07:45:31Z", owner=MARKET_VENDOR,
               visibility="public", __imagetype="market", protected=True, __productcode=WORDPRESS_PRODUCT,
               __account_code="wp-ondemand-hourly", __originalimagename=""), "market")
# Made from an ECS of the WordPress market image: carries its product code, not released.
add(R_SG, base("wordpress-custom", R_SG, "2024-01-09T10:02:55Z", __productcode=WORDPRESS_PRODUCT,
               __originalimagename=image_id("wordpress-6-lamp")), "market-derived", root="wordpress-6-lamp")
add(R_SG, base("web-ubuntu2204", R_SG, "2024-03-11T08:15:42Z"), "releasable")
add(R_SG, base("shop-v1", R_SG, "2024-02-02T04:30:00Z", protected=True), "locked")  # released-list names its ID
add(R_SG, base("shop-v2", R_SG, "2024-06-18T09:12:27Z", protected=True, __productcode=SHOP_PRODUCT),
    "locked")  # released-list names its product
# Near miss of shop-v2: a product code whose product was never released: made from that market image.
add(R_SG, base("crm-suite", R_SG, "2024-04-22T13:40:18Z", __productcode=CRM_PRODUCT,
               __originalimagename=MISSING_PARENT), "market-derived", root="crm-suite", notes=["missing-parent"])
add(R_SG, base("db-encrypted", R_SG, "2024-05-06T01:00:00Z",
               __system__cmkid="83cdb52d-9ebf-4469-9cfa-e7b5b80da846", __system__encrypted="1"), "encrypted")
add(R_SG, base("partner-toolkit", R_SG, "2024-02-14T16:20:00Z", owner=PARTNER, visibility="shared",
               __imagetype="shared"), "shared")
add(R_SG, base("team-shared-base", R_SG, "2024-02-15T16:20:00Z", visibility="shared", __imagetype="shared"),
    "shared")  # the seller's own, shared out
# Near miss of web-ubuntu2204: private, but owned by another project (shared only given --owner).
add(R_SG, base("vendor-private", R_SG, "2024-02-16T11:00:00Z", owner=PARTNER), "shared")
add(R_SG, base("erp-full-backup", R_SG, "2024-03-30T22:05:10Z", __whole_image=True,
               __backup_id="1f0ee6c2-2a55-4b43-a3b4-2d6f1c7b9e10",
               __data_origin="server_backup,1f0ee6c2-2a55-4b43-a3b4-2d6f1c7b9e10"), "full-ecs")
add(R_SG, base("legacy-import", R_SG, "2023-12-01T06:06:06Z", __root_origin="file", __originalimagename="",
               __data_origin="file,obs://seller-bucket/legacy/centos7.qcow2", __platform="CentOS",
               __os_version="CentOS 7.9 64bit", disk_format="qcow2"), "not-releasable")

# --- AF-Johannesburg (a bare JSON array) -----------------------------------------------------
# Copied from wordpress-custom in AP-Singapore.
add(R_JNB, base("wordpress-custom-jnb", R_JNB, "2024-01-10T03:33:33Z", __originalimagename="",
                __data_origin="image,%s,%s" % (R_SG, image_id("wordpress-custom"))),
    "market-derived", root="wordpress-6-lamp")
# The seller marked it released; made from Johannesburg's public image, which this list lacks.
add(R_JNB, base("app-2023", R_JNB, "2023-09-09T09:09:09Z", protected=True, released=True), "locked",
    notes=["missing-parent"])
# Two images naming each other as parent: the walk must stop.
add(R_JNB, base("loop-alpha", R_JNB, "2024-07-01T00:00:00Z", __originalimagename=image_id("loop-beta")),
    "releasable", notes=["loop"])
add(R_JNB, base("loop-beta", R_JNB, "2024-07-01T00:05:00Z", __originalimagename=image_id("loop-alpha")),
    "releasable", notes=["loop"])
add(R_JNB, base("data-volume", R_JNB, "2024-07-02T08:00:00Z", virtual_env_type="DataImage",
                __data_origin="volume,3a4b5c6d-7e8f-4a0b-8c1d-2e3f4a5b6c7d"), "not-releasable",
    notes=["missing-parent"])
add(R_JNB, base("win2019-iis", R_JNB, "2024-08-12T12:12:12Z", __platform="Windows", __os_type="Windows",
                __os_version="Windows Server 2019 Datacenter 64bit English", hw_firmware_type="uefi",
                min_disk=50, min_ram=4096, __image_size="16106127360"), "releasable", notes=["missing-parent"])

# --- LA-Santiago (listed with the public images) ---------------------------------------------
add(R_SCL, base("Ubuntu 22.04 server 64bit", R_SCL, "2023-05-04T02:11:09Z", id=public_id(R_SCL), owner=HUAWEI,
                visibility="public", __imagetype="gold", protected=True, __originalimagename="",
                __data_origin="", min_disk=40), "public")
# A copy of the Johannesburg copy, then an image made from an ECS of it: three generations.
add(R_SCL, base("wordpress-custom-scl", R_SCL, "2024-01-12T15:00:00Z", __originalimagename="",
                __data_origin="image,%s,%s" % (R_JNB, image_id("wordpress-custom-jnb"))),
    "market-derived", root="wordpress-6-lamp")
add(R_SCL, base("wordpress-tuned", R_SCL, "2024-02-01T15:00:00Z",
                __originalimagename=image_id("wordpress-custom-scl")), "market-derived", root="wordpress-6-lamp")
# A copy of the released shop-v1: made from a locked image.
add(R_SCL, base("shop-v1-copy", R_SCL, "2024-02-03T04:30:00Z", __originalimagename="",
                __data_origin="image,%s,%s" % (R_SG, image_id("shop-v1"))), "market-derived", root="shop-v1")
# A loop that a market image feeds: both are market-derived.
add(R_SCL, base("loop-x", R_SCL, "2024-07-03T00:00:00Z", __originalimagename=image_id("loop-y")),
    "market-derived", root="erp-offshelf", notes=["loop"])
add(R_SCL, base("loop-y", R_SCL, "2024-07-03T00:05:00Z", __originalimagename=image_id("loop-x"),
                __data_origin="image,%s,%s" % (R_SCL, image_id("erp-offshelf"))),
    "market-derived", root="erp-offshelf", notes=["loop"])
add(R_SCL, base("erp-offshelf", R_SCL, "2022-10-10T10:10:10Z", owner=MARKET_VENDOR, visibility="public",
                __imagetype="market", __productcode=ERP_PRODUCT, __is_offshelved="true",
                __originalimagename=""), "market")
add(R_SCL, base("api-gateway", R_SCL, "2024-09-01T07:07:07Z", __originalimagename=MISSING_PARENT),
    "releasable", notes=["missing-parent"])

RELEASED_LIST = """# Released on KooGallery (image IDs and product IDs), one per line.
%s   # shop-v1, released 2024-02
%s

# products
%s
# a product whose images are not in these lists
OFFI800000000000000001
""" % (image_id("shop-v1"), "7d2f9e4a-0000-4c1b-8e2d-5f6a7b8c9d0e", SHOP_PRODUCT)

FILE_SHAPE = {R_SG: "images", R_JNB: "array", R_SCL: "images"}


def notes_for(img, names_in_lists):
    """Whether one of the image's parents is absent from the lists."""
    parents = []
    if img.get("__originalimagename"):
        parents.append(img["__originalimagename"])
    origin = img.get("__data_origin", "")
    if origin.startswith("image,"):
        parents.append(origin.split(",", 2)[2])
    return any(p not in names_in_lists for p in parents)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_fixture(out):
    by_region = {}
    for region, img, _, _, _ in ACCOUNT:
        by_region.setdefault(region, []).append(img)
    for region, images in by_region.items():
        doc = {"images": images} if FILE_SHAPE[region] == "images" else images
        write_json(os.path.join(out, "images-%s.json" % region), doc)
    with open(os.path.join(out, "released-list.txt"), "w") as f:
        f.write(RELEASED_LIST)
    ids = {img["id"] for _, img, _, _, _ in ACCOUNT}
    assert len(ids) == len(ACCOUNT), "two images share an ID"
    expected = {"seller-owner": SELLER, "images": {}, "counts": {}}
    for region, img, state, root, notes in ACCOUNT:
        # The notes are declared by hand above; this only guards the declarations against typos.
        if notes_for(img, ids) != ("missing-parent" in notes):
            raise SystemExit("%s: declare its missing parent note" % img["name"])
        entry = {"name": img["name"], "region": region, "state": state, "notes": sorted(set(notes))}
        if root:
            entry["lineage-root"] = image_id(root)
        expected["images"][img["id"]] = entry
        expected["counts"][state] = expected["counts"].get(state, 0) + 1
    write_json(os.path.join(out, "expected-audit.json"), expected)


LARGE_REGIONS = ["af-south-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-1",
                 "na-mexico-1", "la-north-2", "la-south-2", "sa-brazil-1"]


def write_large(out, n):
    """n images over 8 region files: long parent chains crossing regions (copies), a market image
    every 397 images, and a two-image loop every thousand."""
    rng = random.Random(20240311)
    files = {r: [] for r in LARGE_REGIONS}
    ids = []

    def region_of(i):
        return LARGE_REGIONS[i % len(LARGE_REGIONS)]

    for i in range(n):
        region = region_of(i)
        name = "bench-%06d" % i
        over = {}
        if i % 397 == 0:
            over = {"owner": MARKET_VENDOR, "__imagetype": "market", "visibility": "public",
                    "__productcode": "OFFI%018d" % i, "__originalimagename": ""}
        elif i % 1000 == 998 and i + 1 < n:
            over = {"__originalimagename": image_id("bench-%06d" % (i + 1))}
        elif i % 1000 == 999:
            over = {"__originalimagename": ids[-1]}
        elif ids and rng.random() < 0.8:
            j = i - 1 if rng.random() < 0.7 else rng.randrange(i)
            over = {"__originalimagename": "", "__data_origin": "image,%s,%s" % (region_of(j), ids[j])}
        img = base(name, region, "2024-01-01T00:00:00Z", **over)
        ids.append(img["id"])
        files[region].append(img)
    for region, images in files.items():
        write_json(os.path.join(out, "images-%s.json" % region), {"images": images})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--large", type=int, metavar="N", help="write an N-image account instead")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.large:
        write_large(args.out, args.large)
    else:
        write_fixture(args.out)


if __name__ == "__main__":
    main()
