"""The platforms tests require and bugs are found on (ids as observed on the live API)."""

from __future__ import annotations

from typing import Any

import attrs

Category = tuple[int, str, str]
OperatingSystem = tuple[int, str, str]
Browser = tuple[int, str, str]

COMPUTER: Category = (1, "computer", "Computers")
SMARTPHONE: Category = (2, "smartphone", "Smartphones")
TABLET: Category = (6, "tablet", "Tablets")
SMART_TV: Category = (7, "smart_tv", "Smart TVs")
CONSOLE: Category = (8, "console", "Consoles")

ANDROID: OperatingSystem = (1, "android", "Android")
IOS: OperatingSystem = (2, "ios", "iOS")
WINDOWS: OperatingSystem = (6, "windows", "Windows")
MAC_OS: OperatingSystem = (10, "mac-os", "Mac OS")
TIZEN: OperatingSystem = (40, "tizen", "Tizen")
PLAYSTATION: OperatingSystem = (41, "playstation", "PlayStation OS")


@attrs.frozen
class Platform:
    """A device category and operating system, with the browsers and models used on it."""

    category: Category
    os: OperatingSystem
    min_version: tuple[int, str] | None
    browsers: tuple[Browser, ...]
    models: tuple[tuple[int, str, str], ...]

    @property
    def browser_based(self) -> bool:
        """Tell whether the platform is tested in a browser."""
        return bool(self.browsers)

    def requirement(self, requirement_id: int) -> dict[str, Any]:
        """Render the platform as a test requirement."""
        return {
            "id": requirement_id,
            "category": _named(self.category),
            "operating_system": _named(self.os),
            "min_operating_system_version": (
                None
                if self.min_version is None
                else {"id": self.min_version[0], "name": self.min_version[1]}
            ),
            "max_operating_system_version": None,
            "browsers": [{"id": b[0], "name": b[1], "key": b[2]} for b in self.browsers],
            "devices": [],
            "input_devices": [],
            "vendor": None,
            "browser_based": self.browser_based,
            "gaming": self.category == CONSOLE,
        }


def _named(item: tuple[int, str, str]) -> dict[str, Any]:
    """Render an `{id, key, name}` triple."""
    return {"id": item[0], "key": item[1], "name": item[2]}


WINDOWS_PC = Platform(
    COMPUTER,
    WINDOWS,
    (198, "10"),
    ((18, "Chrome", "chrome"), (21, "Firefox", "firefox"), (25, "Edge Chromium", "edge_chromium")),
    ((8841, "Dell", "XPS 13"), (8842, "Lenovo", "ThinkPad T14"), (8843, "HP", "EliteBook 840")),
)
MAC = Platform(
    COMPUTER,
    MAC_OS,
    (324, "10.14"),
    ((29, "Chrome", "chrome"), (31, "Safari", "safari")),
    ((8851, "Apple", "MacBook Air M2"), (8852, "Apple", "MacBook Pro 14")),
)
ANDROID_PHONE = Platform(
    SMARTPHONE,
    ANDROID,
    (412, "12"),
    ((11, "Chrome", "chrome"),),
    (
        (8861, "Samsung", "Galaxy S23"),
        (8862, "Google", "Pixel 8"),
        (8863, "Xiaomi", "Redmi Note 12"),
    ),
)
IPHONE = Platform(
    SMARTPHONE,
    IOS,
    (388, "16"),
    ((1, "Chrome", "chrome"), (3, "Safari", "safari")),
    ((8871, "Apple", "iPhone 14"), (8872, "Apple", "iPhone 15 Pro")),
)
ANDROID_TABLET = Platform(
    TABLET, ANDROID, (412, "12"), ((11, "Chrome", "chrome"),), ((8881, "Samsung", "Galaxy Tab S9"),)
)
IPAD = Platform(
    TABLET, IOS, (388, "16"), ((3, "Safari", "safari"),), ((8891, "Apple", "iPad Air"),)
)
TV = Platform(SMART_TV, TIZEN, None, (), ((8901, "Samsung", "QE55Q80"),))
PLAYSTATION_5 = Platform(CONSOLE, PLAYSTATION, None, (), ((8911, "Sony", "PlayStation 5"),))

COMMON_PLATFORMS = (WINDOWS_PC, MAC, ANDROID_PHONE, IPHONE, ANDROID_TABLET, IPAD)
ALL_PLATFORMS = (*COMMON_PLATFORMS, TV, PLAYSTATION_5)
