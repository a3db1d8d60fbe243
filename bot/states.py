"""FSM dialogs."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    username = State()
    email = State()
    password = State()


class Login(StatesGroup):
    email = State()
    password = State()


class Predict(StatesGroup):
    value = State()  # step-by-step input, one feature per message
    confirm = State()  # the confirmation screen is shown
    batch = State()  # waiting for a CSV file
    batch_confirm = State()


class AdminAddModel(StatesGroup):
    file = State()
    meta = State()
    check = State()  # checked, not published: try values, then Publish


class AdminBroadcast(StatesGroup):
    text = State()
    translation = State()  # optional: the text in another language
    confirm = State()


class AdminCredit(StatesGroup):
    amount = State()  # from the user card's Credit button


class PaySupport(StatesGroup):
    message = State()  # the next message goes to the admins (no SUPPORT_CONTACT set)


class TopUp(StatesGroup):
    amount = State()
