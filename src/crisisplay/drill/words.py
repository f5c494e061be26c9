"""The drill's own words in the scenario's language, and numbers written the local way.

A Spanish scenario is played by a Spanish-speaking trainee: the events, questions and
WHYs are the scenario's, and the drill's frame around them (event titles, prompts, the
debrief) follows it. English is the fallback for any other language. The walk's own
prompts (shared with `crisisplay start`) are not these.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # event panels
    "post": "Post",
    "comment": "Comment",
    "reply": "Reply",
    "on": " on {platform}",
    "someone": "someone",
    "followers": " · {n} followers",
    "message": "Message",
    "message_from": "Message from {who}",
    "email": "Email",
    "email_from": "Email from {who}",
    "call": "☎ Call",
    "call_from": "☎ Call from {who}",
    "news": "News",
    "news_from": "News — {outlet}",
    "unreachable": "The {role} is unreachable{until}",
    "until": " until {t}",
    "meanwhile": "Meanwhile",
    "asked_after": " (asked after this step)",
    # the run
    "briefing_title": "Drill · {title}",
    "real_time": "in real time",
    "pace": "×{speed} (1 real minute = {speed} scenario minutes)",
    "intro": "Playbook [bold]{playbook}[/] {version} · scenario time runs {pace} · "
    "{events} events, {decisions} decisions to make",
    "ready": "Ready?",
    "start_clock": "Start the clock",
    "started": "[bold magenta]Drill {incident} started.[/] The clock is running.",
    "decision_head": "\n[bold magenta]⚑ Decision · {event}[/] (came in at {t}; it is now {now})",
    "your_call": "Your call:",
    "decision_recorded": "[dim]Decision recorded.[/]",
    "unreachable_since": "⚠ The {role} has been unreachable since {t}",
    "clock": "⏱ Scenario clock {t} (×{speed}) · {shown} of {total} events so far",
    "post_mortem": "Post-mortem of this drill: crisisplay report {incident}",
    "over": "This drill is over. Its score:",
    "resumed": "[bold magenta]Drill resumed[/] at {t} of scenario time (the clock stood still "
    "while it was paused), ×{speed}.",
    # the debrief
    "headline": "Drill: {title} ({scenario}) — {total}/{max}",
    "deadlines": "Deadlines",
    "statements": "Statements",
    "decisions": "Decisions",
    "timeliness": "Timeliness",
    "category_lost": "({raw} of a possible {worst} points lost)",
    "work_on": "What to work on:",
    "nothing_lost": "Nothing cost points.",
    "went_well": "What went well:",
    # score items
    "late": "{d} late",
    "done_at": "done at {t}",
    "not_done": "still not done when the drill ended at {t}",
    "deadline_met": "{title}: done at {t}, due {due}.",
    "deadline_missed": "{title} was due at {due}; {how}: {late}.",
    "skipped": "was skipped ({reason})",
    "never_out": "was never put out (the walk did not reach it)",
    "statement_missing": "{step}: the statement had to be out by {by}; it {what}.{why}",
    "statement_on_time": "{step}: out at {t}, needed by {by}.",
    "statement_late": "{step}: the statement had to be out by {by}; it went out at {t}: "
    "{late}.{why}",
    "folded": " The {stage} stage deadline ({due}, {how}) counts once, with this.",
    "no_findings": "{step}: no findings.",
    "error": "error",
    "warning": "warning",
    "characters": "characters {start}–{end}",
    "whole_text": "the whole text",
    "finding": "{step}: {severity} {rule}{quote} ({platforms}; {span}): {message}",
    "override": " Published with an override: “{reasons}”.",
    "you_chose": "{step}: you chose “{taken}”.",
    "expected": "(Expected: “{expected}”.)",
    "expected_answer": " The expected answer: “{label}”.",
    "answered_late": "{event}: answered at {t}, {after} after it came in (due within {due}).",
    "from": "from {t}",
    "to": " to {t}",
    "acknowledged": "{step} ({t}): recorded as acknowledged by the {role}, who was unreachable "
    "{span}. Record “no answer yet” and escalate to someone who can answer (R7).",
}

ES: dict[str, str] = {
    "post": "Publicación",
    "comment": "Comentario",
    "reply": "Respuesta",
    "on": " en {platform}",
    "someone": "alguien",
    "followers": " · {n} seguidores",
    "message": "Mensaje",
    "message_from": "Mensaje de {who}",
    "email": "Correo",
    "email_from": "Correo de {who}",
    "call": "☎ Llamada",
    "call_from": "☎ Llamada de {who}",
    "news": "Noticia",
    "news_from": "Noticia — {outlet}",
    "unreachable": "{role}: no se le puede localizar{until}",
    "until": " hasta {t}",
    "meanwhile": "Mientras tanto",
    "asked_after": " (se pregunta después de este paso)",
    "briefing_title": "Simulacro · {title}",
    "real_time": "en tiempo real",
    "pace": "×{speed} (1 minuto real = {speed} minutos del escenario)",
    "intro": "Protocolo [bold]{playbook}[/] {version} · el tiempo del escenario corre {pace} · "
    "{events} eventos, {decisions} decisiones que tomar",
    "ready": "¿Preparado?",
    "start_clock": "Poner el reloj en marcha",
    "started": "[bold magenta]Simulacro {incident} en marcha.[/] El reloj corre.",
    "decision_head": "\n[bold magenta]⚑ Decisión · {event}[/] (llegó en {t}; ahora es {now})",
    "your_call": "¿Qué haces?",
    "decision_recorded": "[dim]Decisión registrada.[/]",
    "unreachable_since": "⚠ {role}: no se le puede localizar desde {t}",
    "clock": "⏱ Reloj del escenario {t} (×{speed}) · {shown} de {total} eventos hasta ahora",
    "post_mortem": "Post mortem de este simulacro: crisisplay report {incident}",
    "over": "Este simulacro ya terminó. Su puntuación:",
    "resumed": "[bold magenta]Simulacro reanudado[/] en {t} del escenario (el reloj se paró "
    "durante la pausa), ×{speed}.",
    "headline": "Simulacro: {title} ({scenario}) — {total}/{max}",
    "deadlines": "Plazos",
    "statements": "Comunicados",
    "decisions": "Decisiones",
    "timeliness": "Rapidez",
    "category_lost": "(perdidos {raw} de {worst} puntos posibles)",
    "work_on": "Qué mejorar:",
    "nothing_lost": "Nada restó puntos.",
    "went_well": "Qué salió bien:",
    "late": "{d} tarde",
    "done_at": "hecho en {t}",
    "not_done": "sin hacer cuando el simulacro terminó en {t}",
    "deadline_met": "{title}: hecho en {t}, plazo {due}.",
    "deadline_missed": "{title}: el plazo era {due}; {how}: {late}.",
    "skipped": "se omitió ({reason})",
    "never_out": "nunca se publicó (el protocolo no llegó a ese paso)",
    "statement_missing": "{step}: el comunicado debía estar publicado en {by}; {what}.{why}",
    "statement_on_time": "{step}: publicado en {t}, hacía falta en {by}.",
    "statement_late": "{step}: el comunicado debía estar publicado en {by}; salió en {t}: "
    "{late}.{why}",
    "folded": " El plazo de la etapa {stage} ({due}, {how}) cuenta una sola vez, con este.",
    "no_findings": "{step}: sin observaciones.",
    "error": "error",
    "warning": "aviso",
    "characters": "caracteres {start}–{end}",
    "whole_text": "todo el texto",
    "finding": "{step}: {severity} {rule}{quote} ({platforms}; {span}): {message}",
    "override": " Publicado saltándose el aviso: «{reasons}».",
    "you_chose": "{step}: elegiste «{taken}».",
    "expected": "(Lo esperado: «{expected}».)",
    "expected_answer": " La respuesta esperada: «{label}».",
    "answered_late": "{event}: respondida en {t}, {after} después de llegar (plazo: {due}).",
    "from": "desde {t}",
    "to": " hasta {t}",
    "acknowledged": "{step} ({t}): registrado como confirmado por {role}, a quien no se podía "
    "localizar {span}. Registra «sin respuesta aún» y escala a alguien que pueda responder (R7).",
}

TABLES = {"en": EN, "es": ES}
# Thousands and decimal separators, as each language writes them.
SEPARATORS = {"en": (",", "."), "es": (".", ",")}


def primary(language: str | None) -> str:
    return (language or "en").split("-")[0].lower()


class Words:
    """`words("key", **values)`: the drill's text in one language (English as fallback)."""

    def __init__(self, language: str | None) -> None:
        self.language = primary(language)
        self.table = TABLES.get(self.language, EN)
        self.thousands, self.point = SEPARATORS.get(self.language, SEPARATORS["en"])

    def __call__(self, key: str, **values: object) -> str:
        return (self.table.get(key) or EN[key]).format(**values)

    def number(self, value: float) -> str:
        """500000 -> 500,000 (en) or 500.000 (es); 72.5 -> 72.5 or 72,5; 100.0 -> 100."""
        if isinstance(value, float) and not value.is_integer():
            whole, _, frac = f"{value:,.6f}".rstrip("0").partition(".")
            return whole.replace(",", self.thousands) + self.point + frac
        return f"{int(value):,}".replace(",", self.thousands)
