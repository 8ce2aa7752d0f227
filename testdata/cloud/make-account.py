#!/usr/bin/env python3
"""Writes account.json: the seller account that ims_server.py serves, spread over three regions
with several pages of images each, in the shape of IMS's GET /v2/cloudimages objects.
    python3 make-account.py > account.json
The keys are made up for tests; they open nothing anywhere."""
import json

SELLER = {"ap-southeast-3": "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
          "af-south-1": "1b2c3d4e5f60718293a4b5c6d7e8f90a",
          "la-south-2": "2c3d4e5f60718293a4b5c6d7e8f90a1b"}
OTHER_OWNER = "ffeeddccbbaa99887766554433221100"


def image(region, n, kind):
    owner = SELLER[region]
    image_id = "%08x-%04x-4%03x-8%03x-%012x" % (0x1a2b0000 + n, len(region), n, n * 7, 0xabc000 + n)
    base = {
        "id": image_id, "name": "%s-%s-%d" % (kind, region, n), "owner": owner, "status": "active",
        "visibility": "private", "__imagetype": "private", "virtual_env_type": "FusionCompute",
        "__whole_image": False, "__backup_id": "", "disk_format": "zvhd2", "min_disk": 40, "min_ram": 1024,
        "__image_size": str(2147483648 + n * 1048576), "__os_type": "Linux", "__platform": "Ubuntu",
        "__os_version": "Ubuntu 22.04 server 64bit", "__os_bit": "64", "__system_support_market": True,
        "__data_origin": "instance,%032x" % (n + 1), "__originalimagename": "", "protected": False,
        "__root_origin": "", "hw_firmware_type": "bios", "__lazyloading": "true",
    }
    if kind == "market":
        base.update({"__imagetype": "market", "visibility": "public", "__productcode": "00301-%06d-0--0" % n,
                     "owner": OTHER_OWNER, "__system_support_market": False})
    elif kind == "shared":
        base.update({"__imagetype": "shared", "visibility": "shared", "owner": OTHER_OWNER})
    elif kind == "gold":
        base.update({"__imagetype": "gold", "visibility": "public", "owner": OTHER_OWNER, "__data_origin": ""})
    elif kind == "encrypted":
        base.update({"__system__cmkid": "b3c1e2d4-0000-4000-8000-%012d" % n, "__system__encrypted": "1"})
    elif kind == "whole":
        base.update({"__whole_image": True, "__backup_id": "bk-%d" % n})
    return base


KINDS = {"ap-southeast-3": ["private", "private", "market", "shared", "gold", "encrypted", "private", "whole", "private"],
         "af-south-1": ["private", "gold", "private", "shared", "private"],
         "la-south-2": ["private", "market"]}

regions = {}
counter = 0
for region, kinds in KINDS.items():
    images = []
    for kind in kinds:
        counter += 1
        images.append(image(region, counter, kind))
    regions[region] = {"project_id": SELLER[region], "images": images}

print(json.dumps({"ak": "KOOPACKTESTAK0000001", "sk": "kpTestSecret-6f1e0c2b9a8d7e6f5a4b3c2d1e0f9a8b",
                  "regions": regions}, indent=1))
