"""Catalog search: words plus filters (type, status, years, tags, studios), orphaned entries
hidden unless asked for; each hit opens its entry and its most similar titles."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from mangaflow.catalog.domain import AIRING_STATUSES, ANIME_TYPES, ATTRIBUTION, SystemStatus
from mangaflow.catalog.parts import catalog
from mangaflow.catalog.services import search
from mangaflow.platform.errors import MangaFlowError

st.title("Catalog Search")
cat = catalog(data.container())
st.caption(ATTRIBUTION)
if not cat.store.has(SystemStatus.ACTIVE):
    st.info("The catalog is empty. Load one with `mangaflow catalog sync FILE` (try "
            "`mangaflow catalog sample sample.jsonl` for a generated one).",
            icon=":material/info:")  # fmt: skip
    st.stop()

@st.cache_data(ttl=300, show_spinner=False)
def similar_titles(anime_id: str, generation: int) -> list[str]:
    """Titles like this one (cached per catalog generation: a rerun asks the index once)."""
    return [s["title"] for s in search.similar(cat, anime_id, limit=5)["results"]]


with st.form("catalog_search"):
    query = st.text_input("Looking for", key="cat_q", placeholder="a quiet story about a witch's bakery")
    c1, c2, c3 = st.columns(3)
    types = c1.multiselect("Type", ANIME_TYPES, key="cat_type")
    statuses = c2.multiselect("Status", AIRING_STATUSES, key="cat_status")
    years = c3.slider("Years", 1960, 2030, (1960, 2030), key="cat_years")
    tags = st.text_input("Tags (all of them, comma separated)", key="cat_tags")
    studios = st.text_input("Studios (any of them, comma separated)", key="cat_studios")
    orphaned = st.checkbox("Include entries gone from the source", key="cat_orphaned")
    submitted = st.form_submit_button("Search", type="primary")

st.metric("Entries", search.counts(cat)[SystemStatus.ACTIVE])
if submitted and query.strip():
    split = lambda s: [p.strip() for p in s.split(",") if p.strip()]  # noqa: E731
    try:
        q = search.parse_query({
            "query": query, "type": types, "status": statuses,
            "year_from": years[0] if years[0] > 1960 else None,
            "year_to": years[1] if years[1] < 2030 else None,
            "tags": split(tags), "studios": split(studios), "include_orphaned": orphaned,
            "limit": 20})  # fmt: skip
        result = search.search(cat, q)
    except MangaFlowError as exc:
        st.error(exc.message)
        st.stop()
    rows = result["results"]
    if not rows:
        st.info("No entry matches these filters.")
    for r in rows:
        with st.expander(f"{r['title']} · {r['type']} {r.get('year') or ''} · {r['similarity']:.3f}"):
            st.write(", ".join(r["tags"][:12]))
            st.json({k: r[k] for k in ("anime_id", "status", "episodes", "studios", "sources")})
            st.caption("Similar: " + "; ".join(similar_titles(r["anime_id"], cat.store.generation())))
