"""Decides from an element's own attributes whether it is page chrome rather than article text.

Generic vocabulary only (what publishers call share bars, related lists, consent walls...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# Words that name chrome when they appear as a token of a class or id.
_CHROME = frozenset(
    """
    ad ads adv advert adverts advertisement advertisements advertising adslot adunit dfp gpt
    banner billboard sponsor sponsored sponsors promo promos promotion promoted partner
    share shares sharing sharebar social socials sns follow
    related relatedposts recommended recommendation recommendations recirc recirculation
    outbrain taboola popular trending mostread mostpopular
    newsletter newsletters subscribe signup optin
    cookie cookies consent gdpr privacy
    comment comments commenting disqus discussion respond replies
    breadcrumb breadcrumbs crumbs nav navbar navigation menu submenu megamenu toolbar
    sidebar rail widget widgets footer masthead topbar pagination pager
    byline author authors dateline timestamp pubdate
    caption captions credit credits photocredit
    modal popup overlay lightbox dialog tooltip skip skiplink
    sronly visuallyhidden screenreader meta
    tags tagged keywords topics
    commentlist commentform sharedaddy sharebuttons sharetools socialshare sociallinks
    socialicons relatedarticles relatedstories relatedlinks adbox adcontainer adwrapper
    """.split()
)
# Tokens that mark the main text container even when a chrome word is present too
# ("story-body-share" is a share bar; "article-body" is the article).
_CORE = frozenset("body content text story article entry post main prose richtext".split())
# Chrome words that win over core words: a comment body is still a comment.
_ALWAYS = frozenset(
    """comment comments disqus outbrain taboola newsletter cookie consent gdpr share sharing
    social related recommended recommendations breadcrumb breadcrumbs commentlist commentform
    sharedaddy socialshare""".split()
)
_ROLES = frozenset(
    "navigation banner contentinfo complementary search dialog alertdialog menu menubar "
    "toolbar tablist".split()
)
_BODY_PROPS = frozenset(("articlebody", "text", "reviewbody"))
# With a core word, these name the article's own text: "article-body", "story__text"...
_ARTICLE_WORDS = frozenset("article story entry post news blog".split())
_BODY_WORDS = frozenset("body text content prose copy".split())
# "with-sidebar", "has-ads", "no-comments": a layout flag of a wrapper, not the chrome itself.
_MODIFIERS = frozenset(
    "with has is no without show hide enable enabled disable disabled off".split()
)
# "menu-open", "CtxtMenu_Attached": a state flag put on some other element.
_STATES = frozenset(
    """open opened active attached enabled visible loaded closed expanded collapsed fixed
    sticky""".split()
)

# Every word a verdict can rest on (modifiers and states only qualify a chrome word).
_VOCABULARY = _CHROME | _CORE | _ARTICLE_WORDS | _BODY_WORDS


def _trie_pattern(words: frozenset[str]) -> str:
    """One regex for many literal words with shared prefixes factored out: Python's re tries
    the branches of a plain alternation one by one at every position, a trie only once.
    (Recursive, but only as deep as the longest word of a fixed list.)"""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_branch(trie)


def _trie_branch(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _trie_branch(sub) for char, sub in sorted(node.items()) if char]
    if not branches:
        return ""
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if "" in node else group


_ANY_CHROME = re.compile(_trie_pattern(_CHROME))
_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_PUNCT = re.compile(r"[^A-Za-z]+")
_LETTERS = re.compile(r"[a-z]+")
# Words are read from this much of a class or id value.
_MAX_NAME_CHARS = 500
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def tokens(value: str) -> list[str]:
    """Words of a class or id value, split at case changes, digits and punctuation."""
    return [t.lower() for t in _TOKEN.findall(value[:_MAX_NAME_CHARS])]


def element_verdict(attrs: Mapping[str, str | None]) -> int:
    """-1 hidden, 0 nothing to say, 1 a chrome word next to a core word, 2 chrome."""
    if len(attrs) == 1:
        cls = attrs.get("class")
        if cls is not None:  # most elements: a class and nothing else
            return _names_verdict(cls, None, None, None)
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return -1
    style = attrs.get("style")
    if style and _may_hide(style) and _HIDDEN_STYLE.search(style):
        return -1
    return _names_verdict(
        attrs.get("class"), attrs.get("id"), attrs.get("role"), attrs.get("itemprop")
    )


def _may_hide(style: str) -> bool:
    """Whether `style` can say display:none or visibility:hidden: cheaper than the regex, which
    most styles fail. "dden" rather than "hidden": the regex's case-insensitive "i" also matches
    a dotless "ı", which lower() keeps; n, o, d and e have no such look-alikes."""
    low = style.lower()
    return "none" in low or "dden" in low


@lru_cache(maxsize=65536)
def _names_verdict(
    cls: str | None, ident: str | None, role: str | None, itemprop: str | None
) -> int:
    if itemprop and itemprop.strip().lower() in _BODY_PROPS:
        return 0  # the page itself says this is the article body
    if role and role.strip().lower() in _ROLES:
        return 2
    names = f"{cls or ''} {ident or ''}"
    # Most names hold no chrome word at all: one regex pass over the letters rules them out.
    if not _ANY_CHROME.search(names.lower().replace("-", "").replace("_", "")):
        return 0
    verdicts = [_name_verdict(name) for name in names.split()[:20]]
    if "always" in verdicts:
        return 2
    if "chrome" in verdicts:
        return 1 if "core" in verdicts or "body" in verdicts else 2
    return 1 if "weak" in verdicts else 0


@lru_cache(maxsize=16384)
def _name_verdict(name: str) -> str | None:
    """What one class name or id says: 'always', 'chrome', 'weak', 'body', 'core' or None."""
    if name == name.lower() and len(name) <= _MAX_NAME_CHARS:
        words, joined = _lower_name_words(name)
    else:
        words, joined = _general_name_words(name)
    if joined not in words:
        words.append(joined)  # compound names: "most-read" -> "mostread", "sr-only" -> "sronly"
    if _VOCABULARY.isdisjoint(words):
        return None  # most names ("row", "col-md-6", "wp-block-group"): no word to weigh
    chrome = False
    for index, word in enumerate(words):
        if word in _MODIFIERS:
            break  # what follows describes a variant of the element, not the element
        if word in _CHROME and not (index + 1 < len(words) and words[index + 1] in _STATES):
            if word in _ALWAYS:
                return "always"
            chrome = True
    core = not _CORE.isdisjoint(words)
    if chrome:
        return "weak" if core else "chrome"
    if not _ARTICLE_WORDS.isdisjoint(words) and not _BODY_WORDS.isdisjoint(words):
        return "body"
    return "core" if core else None


def _lower_name_words(name: str) -> tuple[list[str], str]:
    """`_general_name_words` of a name without capitals, cheaper: the words are the runs of
    letters, and all of them together are the name's letters."""
    words = _LETTERS.findall(name)
    return words, "".join(words)


def _general_name_words(name: str) -> tuple[list[str], str]:
    """The words of a class name or id, and all its letters joined, lower-cased."""
    return tokens(name), _PUNCT.sub("", name).lower()
