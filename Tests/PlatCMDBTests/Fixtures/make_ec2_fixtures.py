#!/usr/bin/env python3
"""Writes the EC2 sync fixtures: real `aws ec2 describe-instances` output, produced by moto (PyPI) so no AWS
account is needed.

    python3 -m venv /tmp/motoenv && /tmp/motoenv/bin/pip install moto boto3
    /tmp/motoenv/bin/python Tests/PlatCMDBTests/Fixtures/make_ec2_fixtures.py

ec2-before.json: four tagged instances in us-east-1: web-1, web-2 and db-1 on a Linux image, batch-1 on a
Windows image. ec2-after.json: the same account later: web-2 is stopped, db-1 was terminated long
enough ago to have left the listing, batch's tags changed, and a new instance web-3 appeared.
The JSON is what `aws ec2 describe-instances --output json` prints: the API response with the SDK's
ResponseMetadata removed and times in ISO 8601.
"""
import datetime
import json
import os

import boto3
from moto import mock_aws

HERE = os.path.dirname(os.path.abspath(__file__))


def dump(client, name):
    out = client.describe_instances()
    out.pop("ResponseMetadata", None)

    def default(o):
        if isinstance(o, datetime.datetime):
            return o.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        raise TypeError(type(o))

    with open(os.path.join(HERE, name), "w") as f:
        json.dump(out, f, indent=4, default=default, sort_keys=True)
        f.write("\n")


def tags(**kv):
    return [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in kv.items()]}]


@mock_aws
def main():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    images = sorted(ec2.describe_images()["Images"], key=lambda i: i["ImageId"])
    linux = next(i["ImageId"] for i in images if i.get("Platform") != "windows")
    windows = next(i["ImageId"] for i in images if i.get("Platform") == "windows")

    def run(zone, **kv):
        r = ec2.run_instances(ImageId=linux, MinCount=1, MaxCount=1, InstanceType="t3.large",
                              Placement={"AvailabilityZone": zone}, TagSpecifications=tags(**kv))
        return r["Instances"][0]["InstanceId"]

    web1 = run("us-east-1a", Name="web-1", env="prod", team="shop")
    web2 = run("us-east-1b", Name="web-2", env="prod", team="shop")
    db1 = run("us-east-1a", Name="db-1", env="prod", team="data")
    batch = ec2.run_instances(ImageId=windows, MinCount=1, MaxCount=1, InstanceType="c5.xlarge",
                              Placement={"AvailabilityZone": "us-east-1c"},
                              TagSpecifications=tags(Name="batch-1", env="test"))["Instances"][0]["InstanceId"]
    dump(ec2, "ec2-before.json")

    ec2.stop_instances(InstanceIds=[web2])
    ec2.terminate_instances(InstanceIds=[db1])
    ec2.create_tags(Resources=[batch], Tags=[{"Key": "env", "Value": "staging"}])
    run("us-east-1b", Name="web-3", env="prod", team="shop")
    out = ec2.describe_instances()
    # Terminated instances stay listed for about an hour, then vanish from the API; show the later state.
    for r in out["Reservations"]:
        r["Instances"] = [i for i in r["Instances"] if i["InstanceId"] != db1]
    out["Reservations"] = [r for r in out["Reservations"] if r["Instances"]]
    out.pop("ResponseMetadata", None)

    def default(o):
        if isinstance(o, datetime.datetime):
            return o.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        raise TypeError(type(o))

    with open(os.path.join(HERE, "ec2-after.json"), "w") as f:
        json.dump(out, f, indent=4, default=default, sort_keys=True)
        f.write("\n")
    print("instances:", {"web-1": web1, "web-2": web2, "db-1": db1, "batch-1": batch})


main()
