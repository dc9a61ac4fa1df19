# Front doors; each is a thin call of an npm script (package.json holds the real commands).
.PHONY: generate check-generated build typecheck test demo bench dev

generate:
	npm run generate

check-generated:
	npm run check-generated

build:
	npm run build

typecheck:
	npm run typecheck

test:
	npm test

demo:
	npm run demo

bench:
	npm run bench

dev:
	npm run dev
