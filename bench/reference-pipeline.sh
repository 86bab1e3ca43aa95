#!/bin/sh
# The reference pipelines' approach, for comparison: per app, list the
# upstream releases with curl + jq, keep the last N versions, then one
# manifest HEAD per version, one after another.
# usage: reference-pipeline.sh API REGISTRY_URL NAMESPACE N APP:OWNER/REPO...
api=$1 reg=$2 ns=$3 n=$4; shift 4
accept="application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"
for spec in "$@"; do
	app=${spec%%:*} repo=${spec#*:}
	versions=$(curl -s -H "Accept: application/vnd.github+json" \
	    "$api/repos/$repo/releases?per_page=100" |
	    jq -r '.[] | select(.draft == false and .prerelease == false) | .tag_name' |
	    sed -n 's/^v\{0,1\}\([0-9]*\.[0-9]*\.[0-9]*\)$/\1/p' |
	    sort -t. -k1,1nr -k2,2nr -k3,3nr | head -n "$n")
	for v in $versions; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -I \
		    -H "Accept: $accept" "$reg/v2/$ns/$app/manifests/$v")
		echo "$app $v $code"
	done
done
