#!/usr/bin/env bash
# Export an AWS Organization for `whittle --snapshot`: roots, organisational units, accounts, and
# the service and resource control policies with their targets, in the format documented in
# docs/formats.md ("AWS Organizations export"). Run with credentials of the management account
# (or a delegated administrator for Organizations):
#   scripts/export-org.sh > org.json
# Needs the AWS CLI v2 and jq. Read-only: describe-*/list-* calls only.
set -euo pipefail

aws_json() { aws --output json "$@"; }

org=$(aws_json organizations describe-organization --query 'Organization.{Id:Id,ManagementAccountId:MasterAccountId}')
roots=$(aws_json organizations list-roots --query 'Roots[].{Id:Id,Name:Name}')

units='[]'
accounts='[]'
# walk the tree breadth-first from every root
queue=$(jq -r '.[].Id' <<<"$roots")
while [ -n "$queue" ]; do
  next=""
  for parent in $queue; do
    children=$(aws_json organizations list-organizational-units-for-parent --parent-id "$parent" \
      --query 'OrganizationalUnits[].{Id:Id,Name:Name}')
    units=$(jq --arg p "$parent" --argjson c "$children" '. + [$c[] | . + {ParentId: $p}]' <<<"$units")
    members=$(aws_json organizations list-accounts-for-parent --parent-id "$parent" \
      --query 'Accounts[].{Id:Id,Name:Name}')
    accounts=$(jq --arg p "$parent" --argjson c "$members" '. + [$c[] | . + {ParentId: $p}]' <<<"$accounts")
    next="$next $(jq -r '.[].Id' <<<"$children")"
  done
  queue=$(echo "$next" | xargs)
done

policies='[]'
for filter in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
  # an organisation without the policy type enabled answers with an error: nothing to add
  ids=$(aws_json organizations list-policies --filter "$filter" --query 'Policies[].Id' 2>/dev/null | jq -r '.[]' || true)
  for id in $ids; do
    policy=$(aws_json organizations describe-policy --policy-id "$id" \
      --query 'Policy.{Id:PolicySummary.Id,Name:PolicySummary.Name,Type:PolicySummary.Type,Content:Content}')
    targets=$(aws_json organizations list-targets-for-policy --policy-id "$id" --query 'Targets[].TargetId')
    policies=$(jq --argjson p "$policy" --argjson t "$targets" '. + [$p + {Targets: $t}]' <<<"$policies")
  done
done

jq -n --argjson org "$org" --argjson roots "$roots" --argjson units "$units" \
  --argjson accounts "$accounts" --argjson policies "$policies" \
  '{Organization: $org, Roots: $roots, OrganizationalUnits: $units, Accounts: $accounts, OrganizationPolicies: $policies}'
