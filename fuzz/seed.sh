#!/bin/sh
# Fills fuzz/seeds/ with every `.aio` program under tests/ and examples/, the seed corpus that
# each target reads next to its own corpus:
#   cd fuzz && ./seed.sh && cargo +nightly fuzz run parse corpus/parse seeds -- -dict=aio.dict
set -eu
cd "$(dirname "$0")"
mkdir -p seeds
find ../tests ../examples -name '*.aio' | while read -r f; do
    cp "$f" "seeds/$(echo "${f#../}" | tr / _)"
done
echo "$(ls seeds | wc -l) seeds in fuzz/seeds"
