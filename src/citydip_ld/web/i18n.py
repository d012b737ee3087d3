"""Interface strings in English and Persian."""

from __future__ import annotations

from citydip_ld.curation.kinds import LIST_LABELS

LANGUAGES = ("en", "fa")

STRINGS: dict[str, dict[str, str]] = {
    "site": {"en": "City diplomacy linked data", "fa": "داده‌های پیوندی دیپلماسی شهری"},
    "home": {"en": "Home", "fa": "خانه"},
    "query": {"en": "Query", "fa": "پرس‌وجو"},
    "ontology": {"en": "Ontology", "fa": "هستی‌شناسی"},
    "shapes": {"en": "Shapes", "fa": "شکل‌ها"},
    "other_language": {"en": "فارسی", "fa": "English"},
    "geonames_credit": {
        "en": "Coordinates, populations and alternate names from",
        "fa": "مختصات، جمعیت و نام‌های دیگر از",
    },
    "types": {"en": "Types", "fa": "نوع"},
    "description": {"en": "Description", "fa": "توضیح"},
    "wikidata": {"en": "Wikidata", "fa": "ویکی‌داده"},
    "facts": {"en": "Facts and their sources", "fa": "واقعیت‌ها و منابع آن‌ها"},
    "fact": {"en": "Fact", "fa": "واقعیت"},
    "date": {"en": "Date", "fa": "تاریخ"},
    "jalali": {"en": "Jalali", "fa": "شمسی"},
    "gregorian": {"en": "Gregorian", "fa": "میلادی"},
    "printed": {"en": "as printed", "fa": "در متن خبر"},
    "on_or_before": {"en": "on or before", "fa": "در همان روز یا پیش از آن"},
    "on_or_before_note": {
        "en": "the text gives no day of its own: the dates below are the latest possible",
        "fa": "متن روز خود رویداد را نمی‌گوید: تاریخ‌های زیر آخرین روز ممکن است",
    },
    "source": {"en": "Source article", "fa": "خبر منبع"},
    "published": {"en": "published", "fa": "منتشرشده"},
    "quotation": {"en": "Quoted sentence", "fa": "جمله نقل‌شده"},
    "outgoing": {"en": "Statements", "fa": "گزاره‌ها"},
    "incoming": {"en": "Linked from", "fa": "پیوندهای ورودی"},
    "property": {"en": "Property", "fa": "ویژگی"},
    "value": {"en": "Value", "fa": "مقدار"},
    "resource": {"en": "Resource", "fa": "منبع"},
    "formats": {"en": "This document in other formats", "fa": "این سند در قالب‌های دیگر"},
    "iri": {"en": "IRI", "fa": "شناسه"},
    "not_found": {"en": "Not found", "fa": "یافت نشد"},
    "not_found_detail": {
        "en": "This dataset has no resource with this IRI.",
        "fa": "این مجموعه داده منبعی با این شناسه ندارد.",
    },
    "entry_points": {"en": "Browse", "fa": "مرور"},
    "dumps": {"en": "Downloads", "fa": "دریافت"},
    "file": {"en": "File", "fa": "پرونده"},
    "size": {"en": "Bytes", "fa": "بایت"},
    "checksum": {"en": "SHA-256", "fa": "SHA-256"},
    "sparql": {"en": "SPARQL endpoint", "fa": "نقطه دسترسی SPARQL"},
    "void": {"en": "Dataset description (VoID, DCAT)", "fa": "توصیف مجموعه داده (VoID، DCAT)"},
    "triples": {"en": "triples", "fa": "سه‌تایی"},
    "count": {"en": "Count", "fa": "تعداد"},
    "examples": {"en": "Example questions", "fa": "پرسش‌های نمونه"},
    "run": {"en": "Run query", "fa": "اجرای پرسش"},
    "results": {"en": "Results", "fa": "نتایج"},
    "choose": {"en": "Choose an example…", "fa": "یک نمونه برگزینید…"},
    "classes": {"en": "Classes", "fa": "رده‌ها"},
    "properties": {"en": "Properties", "fa": "ویژگی‌ها"},
    "term": {"en": "Term", "fa": "اصطلاح"},
    "label": {"en": "Label", "fa": "برچسب"},
    "comment": {"en": "Comment", "fa": "توضیح"},
    "list_of": {"en": "All resources of kind", "fa": "همه منابع از نوع"},
    "none": {"en": "None.", "fa": "هیچ."},
    "page": {"en": "Page", "fa": "صفحه"},
    "first_incoming": {
        "en": "The first {n} links are shown.",
        "fa": "{n} پیوند نخست نشان داده شده است.",
    },
    "all_incoming": {"en": "All of them (SPARQL)", "fa": "همه آن‌ها (SPARQL)"},
    "path": {"en": "Path", "fa": "مسیر"},
    "constraints": {"en": "Constraints", "fa": "قیدها"},
    "message": {"en": "Message when violated", "fa": "پیام در صورت نقض"},
    "targets": {"en": "Applies to", "fa": "اعمال می‌شود بر"},
    "focus_node": {"en": "the node itself", "fa": "خود گره"},
    "node_shapes": {"en": "Node shapes", "fa": "شکل‌های گره"},
    "property_shapes": {"en": "Reusable property shapes", "fa": "شکل‌های ویژگی بازکاربردپذیر"},
    "shapes_about": {
        "en": "The SHACL shapes the data must conform to; `citydip-ld check` reports each "
        "violation with the message below, at the fact file and line to fix.",
        "fa": "شکل‌های SHACL که داده باید با آن‌ها سازگار باشد؛ فرمان citydip-ld check هر نقض را "
        "با پیام زیر و با نشانی پرونده و سطری که باید اصلاح شود گزارش می‌کند.",
    },
    "of": {"en": "of", "fa": "از"},
    "prev": {"en": "Previous page", "fa": "صفحه قبل"},
    "next": {"en": "Next page", "fa": "صفحه بعد"},
    "search": {"en": "Search", "fa": "جستجو"},
    "libraries": {"en": "Browser libraries", "fa": "کتابخانه‌های مرورگر"},
    "libraries_about": {
        "en": "The pages load these libraries from this site only, never from another one; "
        "each is an npm package installed with the site, served with its licence.",
        "fa": "صفحه‌ها این کتابخانه‌ها را فقط از همین وبگاه بارگیری می‌کنند، نه از جای دیگر؛ "
        "هر یک بسته‌ای از npm است که با وبگاه نصب می‌شود و با پروانه‌اش عرضه می‌شود.",
    },
    "library": {"en": "Library", "fa": "کتابخانه"},
    "version": {"en": "Version", "fa": "نسخه"},
    "licence": {"en": "Licence", "fa": "پروانه"},
    "used_for": {"en": "Used for", "fa": "کاربرد"},
    "not_installed": {"en": "not installed", "fa": "نصب نشده"},
    "search_label": {"en": "Search names", "fa": "جستجوی نام‌ها"},
    "search_placeholder": {"en": "a city, an organisation…", "fa": "شهر، سازمان…"},
    "search_results": {"en": "{n} results", "fa": "{n} نتیجه"},
    "search_more": {"en": "more than {n} results", "fa": "بیش از {n} نتیجه"},
    "search_none": {"en": "Nothing matches.", "fa": "چیزی یافت نشد."},
    "search_hint": {
        "en": "Type a name in Persian or English; spelling variants of Persian letters, "
        "digits, case and accents do not matter.",
        "fa": "نامی به فارسی یا انگلیسی بنویسید؛ گونه‌های نوشتاری حروف، ارقام، بزرگی و "
        "کوچکی حروف و اعراب مهم نیستند.",
    },
    "all_kinds": {"en": "All kinds", "fa": "همه انواع"},
    "kind": {"en": "Kind", "fa": "نوع"},
    "match.exact": {"en": "exact", "fa": "دقیق"},
    "match.prefix": {"en": "starts with", "fa": "آغاز نام"},
    "match.word": {"en": "word", "fa": "واژه"},
    "match.substring": {"en": "part of a word", "fa": "بخشی از واژه"},
    # Kinds, plural: the heading of each list page, from the kind's module.
    **{
        f"kind.{segment}": {"en": label.en, "fa": label.fa}
        for segment, label in LIST_LABELS.items()
    },
    "about": {
        "en": (
            "Curated facts on Iranian city diplomacy (sister cities, city networks, meetings, "
            "the people who speak at them, events, proposals and programmes), each linked to "
            "the news article and the sentence it comes from. Every resource has a permanent "
            "IRI that serves this page to a browser and RDF to a program."
        ),
        "fa": (
            "واقعیت‌های گزینش‌شده درباره دیپلماسی شهری ایران (خواهرخواندگی، شبکه‌های شهری، "
            "نشست‌ها و سخنرانان آن‌ها، رویدادها، پیشنهادها و برنامه‌ها)، هر یک با پیوند به خبر "
            "و جمله‌ای که از آن آمده است. "
            "هر منبع شناسه‌ای پایدار دارد که به مرورگر این صفحه و به برنامه‌ها RDF می‌دهد."
        ),
    },  # The SPARQL editor on /query (YASGUI; web/query_editor.py).
    "query_editor_tab": {"en": "Query", "fa": "پرس‌وجو"},
    "query_editor_label": {"en": "SPARQL editor", "fa": "ویرایشگر SPARQL"},
    "query_editor_hint": {
        "en": "Pick a question above or write your own; Ctrl+Space completes prefixes, "
        "classes and properties, and Ctrl+Enter or the ▶ button runs the query against this "
        "site's SPARQL endpoint: the results appear as a table below the editor.",
        "fa": "یکی از پرسش‌های بالا را برگزینید یا پرسش خود را بنویسید؛ Ctrl+Space پیشوندها، "
        "کلاس‌ها و ویژگی‌ها را کامل می‌کند و Ctrl+Enter یا دکمه ▶ پرسش را روی نقطه دسترسی "
        "SPARQL همین وبگاه اجرا می‌کند: نتایج به صورت جدول زیر ویرایشگر نمایش داده می‌شوند.",
    },
    # The reconciliation service's preview card (web/reconcile.py) and the home page's link.
    "recon_type": {"en": "Type", "fa": "نوع"},
    "recon_country": {"en": "Country", "fa": "کشور"},
    "recon_partners": {"en": "Sister cities", "fa": "شهرهای خواهرخوانده"},
    "recon_service": {
        "en": "reconciliation service (OpenRefine)",
        "fa": "سرویس تطبیق نام‌ها (OpenRefine)",
    },
    # ---- maps (web/maps.py, templates/_map.html, static/map.js)
    "map_heading": {"en": "Map", "fa": "نقشه"},
    "map_network_label": {
        "en": "Map of the twinning network",
        "fa": "نقشه شبکه خواهرخواندگی",
    },
    "map_city_label": {
        "en": "Map of {city} and its partner cities",
        "fa": "نقشه {city} و شهرهای خواهرخوانده آن",
    },
    "map_caption_network": {
        "en": "{n} cities with coordinates and the {m} twinnings between them.",
        "fa": "{n} شهر دارای مختصات و {m} پیوند خواهرخواندگی میان آن‌ها.",
    },
    "map_caption_limited": {
        "en": "The {n} most twinned of the {m} cities with coordinates, "
        "and the twinnings among them.",
        "fa": "{n} شهر دارای بیشترین خواهرخوانده از {m} شهر دارای مختصات، "
        "و پیوندهای خواهرخواندگی میان آن‌ها.",
    },
    "map_caption_city": {
        "en": "{city} (the larger point) and its {n} partner cities on the map, "
        "with a line for each of its {m} twinnings.",
        "fa": "{city} (نقطه بزرگ‌تر) و {n} شهر خواهرخوانده آن روی نقشه، "
        "با یک خط برای هر یک از {m} پیوند خواهرخواندگی.",
    },
    "map_keyboard": {
        "en": "Each point links to the city's page, as does the list beside the map; "
        "on the map, arrow keys move it and + and − zoom.",
        "fa": "هر نقطه به صفحه شهر پیوند دارد، همچنان که فهرست کنار نقشه؛ "
        "روی نقشه، کلیدهای جهت آن را جابه‌جا و + و − بزرگ و کوچک می‌کنند.",
    },
    "map_list_network": {"en": "Most twinned cities", "fa": "شهرهای دارای بیشترین خواهرخوانده"},
    "map_list_city": {"en": "Cities on this map", "fa": "شهرهای این نقشه"},
    "map_all_cities": {"en": "All cities", "fa": "همه شهرها"},
    "map_partner": {"en": "partner", "fa": "خواهرخوانده"},
    "map_partners": {"en": "partners", "fa": "خواهرخوانده"},
    "map_loading": {"en": "Loading the map…", "fa": "در حال بارگذاری نقشه…"},
    "map_failed": {"en": "The map could not be loaded.", "fa": "نقشه بارگذاری نشد."},
    "map_zoom_in": {"en": "Zoom in", "fa": "بزرگ‌نمایی"},
    "map_zoom_out": {"en": "Zoom out", "fa": "کوچک‌نمایی"},
    "map_outlines_credit": {
        "en": "Country outlines: Natural Earth (public domain)",
        "fa": "مرز کشورها: Natural Earth (مالکیت عمومی)",
    },
    # The timeline of dated facts (web/timeline.py, templates/_timeline.html, static/timeline.js).
    "timeline_heading": {"en": "Timeline", "fa": "گاه‌شمار"},
    "timeline_intro": {
        "en": (
            "Dated facts: agreements, memberships, meetings, events, proposals and figures. "
            "A year or a month is drawn as the interval it covers, a day as a point."
        ),
        "fa": (
            "واقعیت‌های تاریخ‌دار: توافق‌ها، عضویت‌ها، نشست‌ها، رویدادها، پیشنهادها و آمارها. "
            "سال یا ماه به صورت بازه‌ای که در بر می‌گیرد و روز به صورت یک نقطه نشان داده می‌شود."
        ),
    },
    "timeline_city_intro": {
        "en": "Dated facts that name this city.",
        "fa": "واقعیت‌های تاریخ‌داری که از این شهر نام می‌برند.",
    },
    "timeline_filters": {"en": "Filter the timeline", "fa": "پالایش گاه‌شمار"},
    "timeline_kind": {"en": "Kind of fact", "fa": "نوع واقعیت"},
    "timeline_city": {"en": "City", "fa": "شهر"},
    "timeline_all_kinds": {"en": "All kinds", "fa": "همه انواع"},
    "timeline_all_cities": {"en": "All cities", "fa": "همه شهرها"},
    "timeline_apply": {"en": "Show", "fa": "نمایش"},
    "timeline_chart": {
        "en": "Timeline of dated facts (links to each fact)",
        "fa": "گاه‌شمار واقعیت‌های تاریخ‌دار (با پیوند به هر واقعیت)",
    },
    "timeline_list": {
        "en": "Dated facts, earliest first",
        "fa": "واقعیت‌های تاریخ‌دار، از قدیم به جدید",
    },
    "timeline_shown": {"en": "{n} of {total} dated facts", "fa": "{n} از {total} واقعیت تاریخ‌دار"},
    "timeline_none": {"en": "No dated facts.", "fa": "واقعیت تاریخ‌داری نیست."},
    "timeline_listed_first": {
        "en": "Listed here: the earliest {n}. Choose a kind or a city to see the others.",
        "fa": "در این فهرست: {n} مورد نخست. برای دیدن بقیه، نوع یا شهری را برگزینید.",
    },
    "timeline_drawn_first": {
        "en": "(the earliest {n} drawn)",
        "fa": "({n} مورد نخست رسم شده است)",
    },
    "timeline_legend": {"en": "Kinds", "fa": "انواع"},
    "timeline_range": {"en": "interval (a year or a month)", "fa": "بازه (سال یا ماه)"},
    "timeline_point": {"en": "day", "fa": "روز"},
    "timeline_calendar_jalali": {"en": "Jalali", "fa": "خورشیدی"},
    "timeline_calendar_gregorian": {"en": "Gregorian", "fa": "میلادی"},
    "timeline_gregorian_days": {"en": "Gregorian days", "fa": "روزهای میلادی"},
    "timeline_jalali_days": {"en": "Jalali days", "fa": "روزهای خورشیدی"},
    "timeline_to": {"en": "to", "fa": "تا"},
    "timeline_scales": {
        "en": "Scales: Gregorian years above, Jalali (Solar Hijri) years below",
        "fa": "مقیاس‌ها: سال‌های خورشیدی بالا، سال‌های میلادی پایین",
    },
    "timeline_on_or_before": {"en": "on or before", "fa": "در یا پیش از"},
    "timeline_printed": {"en": "as printed", "fa": "در متن خبر"},
    "timeline_cities": {"en": "Cities", "fa": "شهرها"},
    "timeline_loading": {"en": "Drawing the timeline…", "fa": "در حال رسم گاه‌شمار…"},
    "timeline_failed": {
        "en": "The timeline could not be drawn; the list below has every fact.",
        "fa": "گاه‌شمار رسم نشد؛ فهرست زیر همه واقعیت‌ها را دارد.",
    },
    # The twinning network (web/network.py, templates/network.html, _network*.html).
    "network_nav": {"en": "Network", "fa": "شبکه"},
    "network_title": {"en": "Twinning network", "fa": "شبکه خواهرخواندگی"},
    "network_about": {
        "en": (
            "Cities as circles, sized by their number of partner cities and coloured by "
            "country; each line is a twinning. Click a city, or select it with the arrow keys "
            "and press Enter, to open its page."
        ),
        "fa": (
            "هر دایره یک شهر است، به اندازه شمار شهرهای خواهرخوانده‌اش و به رنگ کشورش؛ هر خط "
            "یک خواهرخواندگی است. برای باز کردن صفحه شهر روی آن کلیک کنید، یا با کلیدهای "
            "جهت‌نما آن را برگزینید و Enter را بزنید."
        ),
    },
    "network_country": {"en": "Country", "fa": "کشور"},
    "network_all_countries": {"en": "All countries", "fa": "همه کشورها"},
    "network_show": {"en": "Show", "fa": "نمایش"},
    "network_whole": {"en": "The whole network", "fa": "کل شبکه"},
    "network_cities": {"en": "Cities and their partners", "fa": "شهرها و خواهرخوانده‌هایشان"},
    "network_city": {"en": "City", "fa": "شهر"},
    "network_partners": {"en": "Partner cities", "fa": "شهرهای خواهرخوانده"},
    "network_ego": {"en": "Its network", "fa": "شبکه آن"},
    "network_more_rows": {
        "en": "… and {n} more cities: every city is in the files below.",
        "fa": "… و {n} شهر دیگر: همه شهرها در پرونده‌های زیر هستند.",
    },
    "network_files": {"en": "The network as files", "fa": "شبکه در قالب پرونده"},
    "network_files_about": {
        "en": (
            "GraphML for Gephi, NetworkX or igraph, and CSV lists of nodes and edges for R or a "
            "spreadsheet; ids are the IRIs of this dataset. Checksums:"
        ),
        "fa": (
            "GraphML برای Gephi، NetworkX یا igraph، و فهرست‌های CSV گره‌ها و یال‌ها برای R یا "
            "صفحه‌گسترده؛ شناسه‌ها همان IRIهای این داده‌اند. چکیده‌ها:"
        ),
    },
    "network_bytes": {"en": "bytes", "fa": "بایت"},
    "network_graph": {"en": "network drawing", "fa": "نمودار شبکه"},
    "network_keys": {
        "en": "Twinning network: arrow keys move between cities, Enter opens the city's page",
        "fa": (
            "شبکه خواهرخواندگی: کلیدهای جهت‌نما میان شهرها جابه‌جا می‌شوند، "
            "Enter صفحه شهر را باز می‌کند"
        ),
    },
    "network_legend": {"en": "Countries", "fa": "کشورها"},
    "network_other": {"en": "Other countries", "fa": "کشورهای دیگر"},
    "network_loading": {"en": "Loading the network…", "fa": "در حال بارگذاری شبکه…"},
    "network_summary": {
        "en": "{nodes} cities, {edges} twinnings.",
        "fa": "{nodes} شهر، {edges} خواهرخواندگی.",
    },
    "network_selected": {"en": "Selected", "fa": "برگزیده"},
    "network_failed": {
        "en": "The network could not be loaded; the table below lists the cities.",
        "fa": "شبکه بارگذاری نشد؛ جدول زیر شهرها را فهرست می‌کند.",
    },
    "network_no_drawing": {
        "en": "The drawing needs the Cytoscape library, which is not installed here; the table "
        "below lists the cities.",
        "fa": "نمودار به کتابخانه Cytoscape نیاز دارد که اینجا نصب نیست؛ جدول زیر شهرها را "
        "فهرست می‌کند.",
    },
    "network_open": {
        "en": "Open in the network view ({n} partner cities)",
        "fa": "نمایش در نمای شبکه ({n} شهر خواهرخوانده)",
    },
}


def translate(key: str, lang: str) -> str:
    """The interface string `key` in `lang` (English when missing; the key if unknown)."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]
