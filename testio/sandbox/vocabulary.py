"""Word pools the generator draws names, titles and texts from."""

from __future__ import annotations

PRODUCT_NAMES = (
    "Canvas Studio",
    "Flourish Charts",
    "Cutout Pro",
    "Halo Portal",
    "Example Shop",
    "Trailhead Travel",
    "Pocket Bank",
    "Streamly TV",
    "Quest Arena",
    "Mediq Health",
    "Learnly Academy",
    "Sportify Live",
    "Homely Rentals",
    "Greengrocer",
    "Tixly Events",
    "Newsdesk Daily",
    "Fitloop",
    "Paperless Office",
    "Cargo Tracker",
    "Petpal",
    "Wanderlust Maps",
    "Budget Buddy",
    "Recipe Box",
    "Skyline Airways",
    "Vault Wallet",
    "Melody Stream",
    "Parkhaus",
    "Kidsplay",
    "Auction House",
    "Fleet Manager",
)

PRODUCT_TYPES = (
    "website",
    "website",
    "website",
    "website",
    "mobile_app_ios",
    "mobile_app_android",
    "streaming_app",
    "gaming",
    "mobile_app_windows",
)

PRODUCT_DESCRIPTIONS = (
    "Main customer-facing web application.",
    "Consumer app with **markdown** release notes.",
    "Regression testing before every release train.",
)

SECTION_PAIRS = (
    ("Monoproduct", "Mobile Pre-release Apps"),
    ("Web App", "Native Apps"),
    ("Storefront", "Checkout Service"),
)

TRACKERS = (
    ("Jira Cloud", "https://{slug}.atlassian.net"),
    ("Azure DevOps", "https://dev.azure.com/{slug}"),
)

FEATURE_AREAS = (
    "Editing Surfaces",
    "Checkout",
    "Onboarding",
    "Search",
    "Account",
    "Sharing",
    "Payments",
    "Navigation",
    "Media",
    "Settings",
    "Notifications",
    "Templates",
    "Export",
    "Collaboration",
    "Billing",
    "Home",
    "Profile",
    "Cart",
    "Player",
    "Library",
)

FEATURE_NAMES = (
    "Mobile Tabs",
    "Payment step",
    "Login form",
    "Sign-up",
    "Password reset",
    "Search results",
    "Filters",
    "Product page",
    "Wishlist",
    "Order history",
    "Invoice download",
    "Share dialog",
    "Comments",
    "Image upload",
    "Video playback",
    "Subtitles",
    "Dark mode",
    "Language switch",
    "Push opt-in",
    "Email preferences",
    "Team invites",
    "Folder view",
    "Drag and drop",
    "Undo history",
    "Print preview",
    "PDF export",
    "Coupon codes",
    "Gift cards",
    "Delivery slots",
    "Address book",
    "Two-factor login",
    "Session timeout",
    "Cookie banner",
    "Footer links",
    "Main menu",
    "Breadcrumbs",
    "Autocomplete",
    "Voice search",
    "Offline mode",
    "Widget",
)

ROLES = ("shopper", "guest", "team admin", "designer", "viewer", "subscriber", "new user", "editor")

ACTIONS = (
    "open the different tabs",
    "close an opened sheet by swiping down",
    "pay by credit card",
    "pay with PayPal",
    "reset my password",
    "see my last orders",
    "download an invoice",
    "share a design with a link",
    "invite a colleague",
    "upload an image",
    "crop an image",
    "play a video",
    "turn on subtitles",
    "switch the language",
    "change my email address",
    "save an item for later",
    "remove an item from the cart",
    "apply a coupon",
    "choose a delivery slot",
    "filter results by price",
    "sort results by date",
    "find a product by name",
    "see recently viewed items",
    "undo my last change",
    "export the page as PDF",
    "print the page",
    "log out",
    "delete my account",
    "turn on dark mode",
    "enable push notifications",
)

STORY_FORMS = (
    "As a {role}, I can {action}",
    "On mobile, I can {action}",
    "As a {role}, I can {action} in {feature}",
    "I can {action} from the {feature}",
)

TEST_TITLES = (
    "{area} regression – release {major}.{minor}",
    "Exploratory test: {feature}",
    "Smoke test {area} {major}.{minor}",
    "{area} – new {feature} flow",
    "Release candidate {major}.{minor}.{patch}",
)

BUG_OBJECTS = (
    "Order button",
    "Search field",
    "Login form",
    "Cookie banner",
    "Product image",
    "Price label",
    "Video player",
    "Share dialog",
    "Main menu",
    "Footer link",
    "Checkout total",
    "Avatar",
    "Date picker",
    "Upload progress bar",
    "Toast message",
    "Language switcher",
)

BUG_PROBLEMS = (
    "stays disabled after choosing PayPal",
    "overlaps the header on small screens",
    "shows a wrong total",
    "is cut off in landscape mode",
    "does not react to taps",
    "shows an error 500",
    "is not translated",
    "leads to a 404 page",
    "freezes the app",
    "flickers while scrolling",
    "keeps loading forever",
    "shows placeholder text",
    "ignores the selected filter",
    "logs the user out",
    "crashes the app",
)

BUG_PLACES = (
    "on checkout",
    "on the start page",
    "in the editor",
    "after login",
    "on iPad",
    "in dark mode",
    "on Android 14",
    "on the product page",
    "in the cart",
    "",
)

STEPS = (
    "Open the start page",
    "Log in with the provided test account",
    "Add any item to the cart",
    "Go to checkout",
    "Select PayPal",
    "Observe the order button",
    "Open the main menu",
    "Tap the search field",
    "Type 'shoes'",
    "Rotate the device to landscape",
    "Scroll down",
    "Open any design",
    "Tap the share icon",
    "Switch the language to German",
)

EXPECTED = (
    "The order can be placed",
    "The page loads",
    "The text is fully visible",
    "The dialog closes",
    "The correct total is shown",
)

ACTUAL = (
    "The button stays grey",
    "An error page is shown",
    "The text is cut off",
    "Nothing happens",
    "The total is doubled",
)

FIRST_NAMES = (
    "yevgenia",
    "lukas",
    "ana",
    "mehmet",
    "sofia",
    "jan",
    "priya",
    "tomasz",
    "elena",
    "kofi",
    "marta",
    "ivan",
    "laura",
    "dario",
    "chen",
    "fatima",
    "oskar",
    "nadia",
    "pedro",
    "ines",
    "aylin",
    "bruno",
    "clara",
    "diego",
    "emil",
    "farah",
    "gustav",
    "hana",
    "igor",
    "julia",
)

LAST_NAMES = (
    "averina",
    "brandt",
    "rossi",
    "yilmaz",
    "novak",
    "kowalski",
    "sharma",
    "petrov",
    "garcia",
    "mensah",
    "silva",
    "berg",
    "costa",
    "müller",
    "wang",
    "haddad",
    "lind",
    "sousa",
    "kaya",
)

CUSTOMER_NAMES = (
    "Maria Keller",
    "Tom Richter",
    "Aisha Bello",
    "Jonas Weber",
    "Sara Lindqvist",
    "Paul Martin",
    "Lena Hoffmann",
    "Omar Aziz",
    "Chloe Dubois",
    "Ben Carter",
    "Nina Schulz",
    "Raj Patel",
)

INFO_REQUESTS = (
    "Could you please attach a screen recording?",
    "Which account did you use to reproduce this?",
    "Does this also happen in Firefox?",
)

TESTER_REPLIES = (
    "Video attached, it happens every time.",
    "I used the provided test account.",
    "Yes, it also happens in Firefox.",
)

REJECT_PREFIXES = ("", "", "", "Thanks for the report. ", "Hi, ")

REJECT_SUFFIXES = ("", "", "", " Thank you!", " We will keep an eye on it.")

FREE_TEXT_REJECTIONS = (
    "We decided not to address this in the current release.",
    "Duplicate of an issue in our own tracker, closing here.",
    "Out of scope for this test cycle.",
)

REQUEST_TIMEOUT = (
    "Your bug was rejected automatically, because you didn't respond to the request within 24 hours"
)

ACCESSIBILITY_ITEMS = (
    ("wcag_checkpoints", "Wcag checkpoints"),
    ("issue_type", "Issue Type"),
    ("severity", "Severity"),
    ("steps_to_reproduce", "Steps to reproduce"),
    ("recommendations", "Recommendations"),
    ("html_code_snippet", "Html code snippet"),
)

ACCESSIBILITY_TITLES = (
    "[A][1.4.3] Contrast of icons is not high enough",
    "[A][1.1.1] Image without alt text",
    "[AA][2.4.7] Focus indicator missing on buttons",
    "[A][4.1.2] Button has no accessible name",
)

GOALS = (
    (
        "<p>Find functional issues in the <b>{area}</b> flow</p>",
        "Find functional issues in the {area} flow",
    ),
    (
        "<p>Check the new <i>{feature}</i> before release</p>",
        "Check the new {feature} before release",
    ),
)

OUT_OF_SCOPE = (
    ("<p>Payment provider pages</p>", "Payment provider pages"),
    ("<p>Known issues listed in the instructions</p>", "Known issues listed in the instructions"),
)

INSTRUCTIONS = (
    ("<ul><li>Use the test account</li></ul>", "Use the test account"),
    ("<p>Do not place real orders.</p>", "Do not place real orders."),
)

ENVIRONMENT_TITLES = ("Production", "Staging", "iOS build {major}.{minor} (TestFlight)")
