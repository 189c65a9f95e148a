"""Call classes: the workload every page prices, as a table; a custom table for traffic the four numbers can't
describe."""
import streamlit as st

from calculators.workload import ClassRow, custom_workload
from pages._ui import fig_bill, glossary, scenario, table_input
from pages._ui.layout import Metric, chart, context, currency, headline, money, shown_frame, tokens, verdict
from pages._ui.workload_edit import CLASSES_KEY, custom_rows, leave_custom, use_classes

st.title("Call classes: the workload every page prices")
st.caption("Every figure on every page is the bill of this workload, or the difference between its bill and the bill "
           "of the same workload after a lever. The sidebar's four numbers and anatomy describe it; a table of call "
           "classes describes traffic they cannot, such as a pipeline of steps on different models.")
answer = st.container()  # the verdict, filled once the bill exists
glossary.glossary("call class", "model call", "token", "prefix", "hit rate", "reasoning tokens")
ctx = context()
rows = custom_rows()
n_classes = len(ctx.workload.classes)
unpriced = [c.name for c in ctx.bill.classes if not c.priced]
with answer:
    verdict(f"This workload costs {money(ctx.bill.total)} a month: {tokens(ctx.bill.requests)} requests making "
            f"{tokens(ctx.bill.calls)} model calls, in {n_classes} call class{'' if n_classes == 1 else 'es'}"
            + (f"; {len(unpriced)} of them unpriced (left out of the bill, not free)." if unpriced else "."))
headline([
    Metric("Monthly bill", money(ctx.bill.total), help="price(workload): the sidebar's bill, every page's 'today'."),
    Metric("Requests per month", tokens(ctx.bill.requests), help="An agent task counts once."),
    Metric("Model calls per month", tokens(ctx.bill.calls),
           help="Every call the bill prices: agent steps, retries and summary calls included. "
           + glossary.term("model call")),
    Metric("Call classes", f"{n_classes:,}", help=glossary.term("call class")),
])

if rows is None:
    st.subheader("From the sidebar")
    # Expected counts, shown whole.
    table = ctx.bill.class_frame().round({"requests per month": 0, "model calls per month": 0})
    st.dataframe(shown_frame(table, "per request", "per month"), hide_index=True, column_config={
        "requests per month": st.column_config.NumberColumn(format="localized"),
        "model calls per month": st.column_config.NumberColumn(format="localized"),
        "per request": st.column_config.NumberColumn(format=f"{currency()}%.4f"),
        "per month": st.column_config.NumberColumn(format=f"{currency()}%,.0f")})
    singles = all(c.loop is None and c.failures is None for c in ctx.workload.classes)
    st.button("Edit as a table of call classes", on_click=use_classes,
              args=([ClassRow.of(c) for c in ctx.workload.classes],), icon=":material/edit:", disabled=not singles,
              help="Copies these classes into an editable table that replaces the four numbers." if singles else
              "A table holds single calls: agent tasks and failures are described in the sidebar's anatomy.")
else:
    st.subheader("Custom call classes")
    st.caption("Edit cells, add or delete rows (paste from a spreadsheet works). Prefix, input, output and reasoning "
               "are tokens per request; cache hits are the share of requests reading the prefix from cache today "
               "(5-minute TTL). The table travels in the link.")
    edited, problems = table_input.edit_rows(ClassRow, rows, key=CLASSES_KEY, label=lambda r: r.get("name"))
    if edited and not problems and CLASSES_KEY not in scenario.store():
        # The table's "defaults" are the link's own rows, so recording an unchanged table dropped it from the link
        # (record() forgets a value equal to its default): keep it, or the next page would lose the custom workload.
        scenario.store()[CLASSES_KEY] = scenario.rows_text(edited)
    for message in problems:
        st.error(message, icon=":material/error:")
    unknown = sorted({r.model_key for r in edited} - set(ctx.catalogue.keys()))
    if unknown:
        st.warning("Not in the price catalogue, so unpriced (left out of the bill, not free): "
                   + ", ".join(f"`{k[:60]}`" for k in unknown), icon=":material/warning:")
    if edited and not problems:
        try:
            candidate = custom_workload(edited)
        except ValueError as exc:
            st.error(str(exc).splitlines()[-1], icon=":material/error:")
        else:
            if candidate.classes != ctx.workload.classes:
                st.rerun()  # the sidebar priced the previous table this run: price the new one
    st.button("Back to the four numbers", on_click=leave_custom, icon=":material/undo:", key="w.leave_page")

st.subheader("The bill by call class and line")
lines = shown_frame(ctx.bill.frame(), "per month")
chart(fig_bill.bill_lines(lines, currency=currency()), lines, name="bill by call class and line")
